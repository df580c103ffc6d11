import type { JWK } from 'jose';

/** COSE_Key (RFC 9052 §7, RFC 9053 §7) as a CBOR map with integer labels. */
export type CoseKey = Map<number, number | Uint8Array>;

// RFC 9053 §7.1 / §7.2 and the IANA COSE registries.
const KTY_OKP = 1;
const KTY_EC2 = 2;
const LABEL_KTY = 1;
const LABEL_CRV = -1;
const LABEL_X = -2;
const LABEL_Y = -3;

const EC2_CURVES = new Map([
  ['P-256', { crv: 1, size: 32 }],
  ['P-384', { crv: 2, size: 48 }],
  ['P-521', { crv: 3, size: 66 }],
]);
const OKP_CURVES = new Map([
  ['Ed25519', { crv: 6, size: 32 }],
  ['Ed448', { crv: 7, size: 57 }],
]);

const BASE64URL = /^[A-Za-z0-9_-]+$/;

function coordinate(jwk: JWK, member: 'x' | 'y', size: number): Uint8Array {
  const text = jwk[member];
  const bytes = typeof text === 'string' && BASE64URL.test(text) ? Buffer.from(text, 'base64url') : undefined;
  if (!bytes || bytes.length !== size) {
    throw new Error(`holder key: JWK "${member}" must be ${size} bytes of base64url for ${jwk.crv}`);
  }
  return bytes;
}

/**
 * The wallet's public JWK as the MSO `deviceKey` (ISO 18013-5 §9.1.2.4): EC2 P-256/384/521
 * `{1: 2, -1: crv, -2: x, -3: y}` or OKP Ed25519/Ed448 `{1: 1, -1: crv, -2: x}`. Private members are
 * never copied. Throws for any other key type.
 */
export function createCoseKey(jwk: JWK): CoseKey {
  if (jwk.kty === 'EC') {
    const curve = EC2_CURVES.get(jwk.crv ?? '');
    if (curve) {
      return new Map<number, number | Uint8Array>([
        [LABEL_KTY, KTY_EC2],
        [LABEL_CRV, curve.crv],
        [LABEL_X, coordinate(jwk, 'x', curve.size)],
        [LABEL_Y, coordinate(jwk, 'y', curve.size)],
      ]);
    }
  } else if (jwk.kty === 'OKP') {
    const curve = OKP_CURVES.get(jwk.crv ?? '');
    if (curve) {
      return new Map<number, number | Uint8Array>([
        [LABEL_KTY, KTY_OKP],
        [LABEL_CRV, curve.crv],
        [LABEL_X, coordinate(jwk, 'x', curve.size)],
      ]);
    }
  }
  throw new Error(`holder key: unsupported for mso_mdoc deviceKey (kty ${jwk.kty}, crv ${jwk.crv})`);
}

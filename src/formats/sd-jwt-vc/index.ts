import { createHash, randomBytes, sign as signRaw, type KeyObject } from 'node:crypto';
import { SDJwtVcInstance, type SdJwtVcPayload } from '@sd-jwt/sd-jwt-vc';
import type { SdJwtConfiguration } from '../../credential-configurations/schema.js';
import type { IssueCredential, IssuerSigner } from '../types.js';
import { jsonClaims, publicHolderJwk, validityWindow } from './common.js';
import { buildDisclosureFrame, type DisclosureFrameNode } from './disclosure-frame.js';

/**
 * `dc+sd-jwt` (SD-JWT VC, draft -13 as pinned by HAIP 1.0; SD-JWT = RFC 9901) issuance.
 *
 * Packing (disclosures, digests, `_sd`, `_sd_alg`) is done by @sd-jwt/sd-jwt-vc; hashing,
 * salts and the ES256 signature are supplied here with node:crypto:
 * - salts: 128 random bits, base64url (the library asks for `saltGenerator(16)`; the stock
 *   @sd-jwt/crypto-nodejs `generateSalt(16)` returns 16 *hex characters* = 64 bits, so it is
 *   deliberately not used);
 * - signature: `crypto.sign('sha256', ..., { dsaEncoding: 'ieee-p1363' })` on the issuer's
 *   KeyObject, no key import per call; one library instance per signing key.
 */

export const SD_JWT_VC_TYP = 'dc+sd-jwt';
export const SD_HASH_ALG = 'sha-256';

/** Claims this module sets itself; a claim set that carries them is refused rather than silently overridden. */
const ISSUER_SET_CLAIMS = new Set(['iss', 'iat', 'nbf', 'exp', 'cnf', 'vct', 'status']);

const SALT_BYTES = 16;
/** CSPRNG output drawn in blocks: one randomBytes() call per ~256 salts instead of one per disclosure. */
const SALT_POOL_BYTES = 4096;
let saltPool = Buffer.alloc(0);
let saltOffset = 0;

/** 16 bytes = 128 bits, whatever length the library asks for (it asks for 16 "characters"). */
function saltGenerator(length: number): string {
  const size = Math.max(SALT_BYTES, length);
  if (saltOffset + size > saltPool.length) {
    saltPool = randomBytes(Math.max(SALT_POOL_BYTES, size));
    saltOffset = 0;
  }
  const salt = saltPool.toString('base64url', saltOffset, saltOffset + size);
  saltPool.fill(0, saltOffset, saltOffset + size); // used bytes are not kept around
  saltOffset += size;
  return salt;
}

function sha256Hasher(data: string | ArrayBuffer, alg: string): Uint8Array {
  if (alg !== SD_HASH_ALG) throw new Error(`SD-JWT hasher: unsupported _sd_alg ${alg}`);
  return createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data)).digest();
}

/** ES256 JWS signer over the signing input, returning base64url(r || s). */
export function es256Signer(privateKey: KeyObject): (data: string) => string {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ec') {
    throw new TypeError('ES256 signer needs an EC private key');
  }
  const curve = privateKey.asymmetricKeyDetails?.namedCurve;
  if (curve !== 'prime256v1' && curve !== 'P-256') throw new TypeError(`ES256 signer needs a P-256 key, got ${curve}`);
  const options = { key: privateKey, dsaEncoding: 'ieee-p1363' as const };
  return (data: string) => signRaw('sha256', Buffer.from(data, 'utf8'), options).toString('base64url');
}

/** One library instance per issuer key: the instance holds the signer closure. */
const instances = new WeakMap<KeyObject, SDJwtVcInstance>();

function instanceFor(signer: IssuerSigner): SDJwtVcInstance {
  let instance = instances.get(signer.privateKey);
  if (!instance) {
    if (signer.alg !== 'ES256') throw new TypeError(`dc+sd-jwt: unsupported signing alg ${String(signer.alg)}`);
    instance = new SDJwtVcInstance({
      signer: es256Signer(signer.privateKey),
      signAlg: 'ES256',
      hasher: sha256Hasher,
      hashAlg: SD_HASH_ALG,
      saltGenerator,
    });
    instances.set(signer.privateKey, instance);
  }
  return instance;
}

type LibraryFrame = Parameters<SDJwtVcInstance['issue']>[1];

/**
 * Issues an SD-JWT VC: header `{typ: dc+sd-jwt, x5c, alg: ES256}`; payload `iss`, `iat`, `nbf`,
 * `exp`, `vct`, `cnf.jwk`, optional `status.status_list`, then the claims, all of which are
 * selectively disclosable except `issuance.always_disclosed`; `_sd_alg: sha-256`. Returns the
 * compact form `<jwt>~<disclosure>~...~` (no KB-JWT).
 */
export const issueSdJwtVc: IssueCredential<SdJwtConfiguration> = async (input) => {
  const { configuration, signer } = input;
  if (configuration.format !== 'dc+sd-jwt') {
    throw new TypeError(`issueSdJwtVc: configuration ${configuration.id} has format ${String(configuration.format)}`);
  }
  if (signer.x5c.length === 0) throw new TypeError('dc+sd-jwt: the issuer signer has no x5c chain (HAIP §6.1.1)');

  const claims = jsonClaims(input.claims);
  for (const name of Object.keys(claims)) {
    if (ISSUER_SET_CLAIMS.has(name)) throw new TypeError(`dc+sd-jwt: claim "${name}" is set by the issuer, not by the claim set`);
  }
  const frame: DisclosureFrameNode = buildDisclosureFrame(claims, configuration.issuance.always_disclosed);
  const { iat, exp } = validityWindow(input.issuedAt, input.validUntil, signer);

  const payload: SdJwtVcPayload = {
    iss: input.issuerIdentifier,
    iat,
    nbf: iat,
    exp,
    vct: configuration.vct,
    cnf: { jwk: publicHolderJwk(input.holderKey.jwk) },
    ...(input.status ? { status: { status_list: { idx: input.status.idx, uri: input.status.uri } } } : {}),
    ...claims,
  };

  const compact = await instanceFor(signer).issue(payload, frame as unknown as LibraryFrame, {
    header: { x5c: signer.x5c },
  });
  // With no disclosure the library still ends in '~', but make the RFC 9901 form explicit.
  return compact.endsWith('~') ? compact : `${compact}~`;
};

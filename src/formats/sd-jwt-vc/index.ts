import { randomBytes, sign as signRaw, type KeyObject } from 'node:crypto';
import type { SdJwtConfiguration } from '../../credential-configurations/schema.js';
import type { IssuerSigner } from '../../crypto/issuer-keys.types.js';
import type { IssueCredential } from '../types.js';
import { jsonClaims, publicHolderJwk, validityWindow } from './common.js';
import { buildDisclosureFrame, type DisclosureFrameNode } from './disclosure-frame.js';
import { packClaims } from './pack.js';

/**
 * `dc+sd-jwt` (SD-JWT VC, draft -13 as pinned by HAIP 1.0; SD-JWT = RFC 9901) issuance.
 *
 * Packing (disclosures, digests, `_sd`, `_sd_alg`) is pack.ts; salts and the ES256 signature
 * come from node:crypto:
 * - salts: 128 random bits, base64url (RFC 9901 §9.3; the stock @sd-jwt/crypto-nodejs
 *   `generateSalt(16)` returns 16 *hex characters* = 64 bits, so it is deliberately not used);
 * - signature: `crypto.sign('sha256', ..., { dsaEncoding: 'ieee-p1363' })` on the issuer's
 *   KeyObject, no key import per call.
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

/** A fresh 128-bit salt, base64url. */
function saltGenerator(): string {
  if (saltOffset + SALT_BYTES > saltPool.length) {
    saltPool = randomBytes(SALT_POOL_BYTES);
    saltOffset = 0;
  }
  const salt = saltPool.toString('base64url', saltOffset, saltOffset + SALT_BYTES);
  saltPool.fill(0, saltOffset, saltOffset + SALT_BYTES); // used bytes are not kept around
  saltOffset += SALT_BYTES;
  return salt;
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

/** One signer closure per issuer key. */
const signers = new WeakMap<KeyObject, (data: string) => string>();

function signerFor(signer: IssuerSigner): (data: string) => string {
  let sign = signers.get(signer.privateKey);
  if (!sign) {
    if (signer.alg !== 'ES256') throw new TypeError(`dc+sd-jwt: unsupported signing alg ${String(signer.alg)}`);
    sign = es256Signer(signer.privateKey);
    signers.set(signer.privateKey, sign);
  }
  return sign;
}

const b64json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

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

  const payload: Record<string, unknown> = {
    iss: input.issuerIdentifier,
    iat,
    nbf: iat,
    exp,
    vct: configuration.vct,
    cnf: { jwk: publicHolderJwk(input.holderKey.jwk) },
    ...(input.status ? { status: { status_list: { idx: input.status.idx, uri: input.status.uri } } } : {}),
    ...claims,
  };

  const sign = signerFor(signer);
  const packed = packClaims(payload, frame, saltGenerator);
  const signingInput = `${b64json({ typ: SD_JWT_VC_TYP, x5c: signer.x5c, alg: signer.alg })}.${b64json({ ...packed.payload, _sd_alg: SD_HASH_ALG })}`;
  // <issuer-signed JWT>~<disclosure>~…~ : no KB-JWT, so it ends in '~' (RFC 9901 §4).
  return `${signingInput}.${sign(signingInput)}~${packed.disclosures.map((d) => `${d}~`).join('')}`;
};

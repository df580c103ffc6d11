/**
 * Credential request and response encryption, OID4VCI 1.0 §10 (used by §8.2 and §9.1):
 * - requests: `application/jwt`, a compact JWE to the key in credential_request_encryption.jwks
 *   (alg = the key's alg, its kid in the header), plaintext = the request as JWT claims set;
 * - responses: when the (decrypted) request carries credential_response_encryption {jwk, enc,
 *   zip?}, the success response is a JWE to that jwk, `application/jwt`. Error responses are
 *   never encrypted (§8.3).
 * §8.2: credential_response_encryption only inside an encrypted request, so it cannot be
 * substituted. Bad parameters are `invalid_encryption_parameters`.
 */
import { CompactEncrypt, compactDecrypt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { diagnose, fail, truncate } from '../../core/diagnostics.js';
import { parseJsonLimited } from '../../core/input-limits.js';
import { REQUEST_ENCRYPTION_ALG } from '../../crypto/encryption-key.js';
import { jwkThumbprintSync } from '../../crypto/jwk-thumbprint.js';
import { redactBody } from '../../session-log/redact.js';
import type { IssuerDeps, ProtocolResponse, Recorder } from '../deps.js';
import { jsonBody, requireContentType, type ProtocolRequest } from '../request.js';

export const ENC_VALUES = ['A128GCM', 'A256GCM'] as const;
export const ZIP_VALUES = ['DEF'] as const;
/** ECDH-ES family (HAIP: ECDH-ES with P-256); the wallet names one as its jwk alg. */
export const RESPONSE_ALG_VALUES = ['ECDH-ES', 'ECDH-ES+A128KW', 'ECDH-ES+A256KW'] as const;
const KEY_TYPES: Record<string, string[]> = { EC: ['P-256', 'P-384', 'P-521'], OKP: ['X25519'] };

type Deps = Pick<IssuerDeps, 'config' | 'encryptionKey'>;

/** §12.2.4 metadata: what a wallet may use. */
export function encryptionMetadata(deps: Deps): Record<string, unknown> {
  return {
    credential_request_encryption: {
      jwks: { keys: [deps.encryptionKey.publicJwk] },
      enc_values_supported: [...ENC_VALUES],
      zip_values_supported: [...ZIP_VALUES],
      encryption_required: deps.config.encryption.requestRequired,
    },
    credential_response_encryption: {
      alg_values_supported: [...RESPONSE_ALG_VALUES],
      enc_values_supported: [...ENC_VALUES],
      zip_values_supported: [...ZIP_VALUES],
      encryption_required: deps.config.encryption.responseRequired,
    },
  };
}

export interface RequestBody {
  /** The parsed JSON (not yet schema-checked). */
  value: unknown;
  encrypted: boolean;
}

/**
 * Reads a (deferred) credential request body: JSON, or a JWE when Content-Type is
 * application/jwt; any other content type gets the endpoint's own code (request.ts).
 */
export async function readRequestBody(deps: Deps & Pick<IssuerDeps, 'serverSecret'>, http: ProtocolRequest, rec: Recorder): Promise<RequestBody> {
  const type = requireContentType(http);
  if (type === 'application/jwt') return { value: await decryptRequest(deps, http.rawBody, rec), encrypted: true };
  if (deps.config.encryption.requestRequired) {
    fail('encryption.request.required', 'The request is plain JSON, but this issuer requires encrypted requests (credential_request_encryption.encryption_required)', { path: 'headers.content-type' });
  }
  return { value: jsonBody(http, 'request.body.malformed_json'), encrypted: false };
}

async function decryptRequest(deps: Deps & Pick<IssuerDeps, 'serverSecret'>, raw: string, rec: Recorder): Promise<unknown> {
  const jwe = raw.trim();
  const parts = jwe.split('.');
  if (parts.length !== 5) fail('encryption.request.invalid', `The application/jwt body has ${parts.length} dot-separated parts; a compact JWE has 5${parts.length === 3 ? ' (this looks like a signed JWT, not an encrypted one)' : ''}`, { path: 'body' });
  let header;
  try {
    header = decodeProtectedHeader(jwe);
  } catch (cause) {
    fail('encryption.request.invalid', `The JWE protected header is not base64url JSON: ${(cause as Error).message}`, { path: 'body.header', cause });
  }
  const key = deps.encryptionKey.publicJwk;
  const found = { alg: header.alg, enc: header.enc, kid: header.kid, zip: header.zip };
  if (header.alg !== key.alg) fail('encryption.request.invalid', `JWE alg ${truncate(header.alg ?? '(absent)', 30)} is not ${key.alg}, the alg of the issuer's request encryption key`, { path: 'body.header.alg', found, expected: key.alg });
  if (header.kid !== undefined && header.kid !== key.kid) {
    fail('encryption.request.invalid', `JWE kid ${truncate(header.kid, 60)} is not a key of credential_request_encryption.jwks (the issuer key may have been replaced: fetch the metadata again)`, { path: 'body.header.kid', found, expected: key.kid });
  }
  if (typeof header.enc !== 'string' || !(ENC_VALUES as readonly string[]).includes(header.enc)) {
    fail('encryption.request.invalid', `JWE enc ${truncate(header.enc ?? '(absent)', 30)} is not in enc_values_supported`, { path: 'body.header.enc', found, expected: ENC_VALUES.join(', ') });
  }
  if (header.zip !== undefined && !(ZIP_VALUES as readonly string[]).includes(header.zip)) {
    fail('encryption.request.invalid', `JWE zip ${truncate(header.zip, 20)} is not in zip_values_supported`, { path: 'body.header.zip', found, expected: ZIP_VALUES.join(', ') });
  }
  let plaintext: string;
  try {
    const result = await compactDecrypt(jwe, deps.encryptionKey.privateKey, { keyManagementAlgorithms: [REQUEST_ENCRYPTION_ALG], contentEncryptionAlgorithms: [...ENC_VALUES], maxDecompressedLength: deps.config.bodyLimitBytes * 4 });
    plaintext = new TextDecoder().decode(result.plaintext);
  } catch (cause) {
    fail('encryption.request.invalid', `The JWE does not decrypt with the issuer's request encryption key: ${(cause as Error).message}`, { path: 'body', found, cause });
  }
  if (header.kid === undefined) rec.log('warning', 'Encrypted request without kid: §10 wants the kid of the chosen key in the JWE header', { found });
  const value = parsePlaintext(plaintext, rec);
  rec.log('debug', 'Encrypted request decrypted (OID4VCI 1.0 §10)', { jwe_header: found, request: redactBody(value, deps.serverSecret) });
  return value;
}

/** The claims set, or the claims of a JWT carried as plaintext (signed or unsecured; not verified). */
function parsePlaintext(plaintext: string, rec: Recorder): unknown {
  const text = plaintext.trim();
  if (text.startsWith('{')) {
    try {
      return parseJsonLimited(text);
    } catch (cause) {
      fail('encryption.request.payload', `The decrypted plaintext is not valid JSON: ${(cause as Error).message}`, { path: 'body.plaintext', cause });
    }
  }
  const parts = text.split('.');
  if (parts.length === 3) {
    try {
      const claims = parseJsonLimited(Buffer.from(parts[1], 'base64url').toString('utf8'));
      rec.diagnostic(diagnose('encryption.request.nested_jwt', 'The JWE plaintext is a JWT; its claims were read as the request', { path: 'body.plaintext' }));
      return claims;
    } catch {
      // Falls through to the refusal below.
    }
  }
  fail('encryption.request.payload', 'The decrypted plaintext is neither a JSON object nor a JWT', { path: 'body.plaintext', found: { length: text.length } });
}

export interface ResponseEncryption {
  jwk: JWK;
  alg: string;
  enc: string;
  zip?: 'DEF';
}

/** Checks credential_response_encryption (§8.2, §9.1); null when the response stays plain. */
export function verifyResponseEncryption(deps: Deps, params: unknown, requestEncrypted: boolean, base = 'body.credential_response_encryption'): ResponseEncryption | null {
  if (params === undefined) {
    if (deps.config.encryption.responseRequired) fail('encryption.response.required', 'The request has no credential_response_encryption, but this issuer requires encrypted responses', { path: base });
    return null;
  }
  if (!requestEncrypted) fail('encryption.response.unencrypted_request', 'credential_response_encryption was sent in a plain JSON request; it must travel inside an encrypted request', { path: base });
  if (typeof params !== 'object' || params === null || Array.isArray(params)) fail('encryption.response.params', 'credential_response_encryption is not an object', { path: base });
  const p = params as Record<string, unknown>;
  const jwk = p.jwk as Record<string, unknown> | undefined;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) fail('encryption.response.params', 'credential_response_encryption has no jwk object', { path: `${base}.jwk`, found: Object.keys(p) });
  const alg = jwk.alg ?? (p.alg !== undefined ? null : undefined);
  if (alg === null) fail('encryption.response.params', `alg ${truncate(p.alg, 30)} is next to the jwk (drafts up to 15); 1.0 puts it inside the jwk`, { path: `${base}.alg` });
  if (typeof alg !== 'string') fail('encryption.response.params', 'the jwk has no alg; §10 requires it (it names the JWE alg)', { path: `${base}.jwk.alg` });
  if (!(RESPONSE_ALG_VALUES as readonly string[]).includes(alg)) fail('encryption.response.params', `jwk alg ${truncate(alg, 30)} is not in alg_values_supported`, { path: `${base}.jwk.alg`, expected: RESPONSE_ALG_VALUES.join(', ') });
  const curves = KEY_TYPES[String(jwk.kty)];
  if (!curves || !curves.includes(String(jwk.crv))) fail('encryption.response.params', `jwk ${truncate(jwk.kty, 10)} ${truncate(jwk.crv, 20)} is not a key for ECDH-ES`, { path: `${base}.jwk`, expected: 'EC P-256/P-384/P-521 or OKP X25519' });
  if (jwk.d !== undefined) fail('encryption.response.params', 'the jwk contains the private member d: send the public key only', { path: `${base}.jwk` });
  if (jwk.use !== undefined && jwk.use !== 'enc') fail('encryption.response.params', `the jwk has use ${truncate(jwk.use, 10)}; an encryption key has use enc or none`, { path: `${base}.jwk.use` });
  if (typeof p.enc !== 'string' || !(ENC_VALUES as readonly string[]).includes(p.enc)) fail('encryption.response.params', `enc ${truncate(p.enc ?? '(absent)', 30)} is not in enc_values_supported`, { path: `${base}.enc`, expected: ENC_VALUES.join(', ') });
  if (p.zip !== undefined && p.zip !== 'DEF') fail('encryption.response.params', `zip ${truncate(p.zip, 20)} is not in zip_values_supported`, { path: `${base}.zip`, expected: ZIP_VALUES.join(', ') });
  return { jwk: jwk as JWK, alg, enc: p.enc, ...(p.zip === 'DEF' ? { zip: 'DEF' as const } : {}) };
}

/** Imports the wallet key now, so an unusable key is refused before proofs and nonce are spent. */
export async function importResponseKey(params: ResponseEncryption | null, base = 'body.credential_response_encryption'): Promise<void> {
  if (!params) return;
  try {
    await importJWK(params.jwk, params.alg);
  } catch (cause) {
    fail('encryption.response.params', `the jwk cannot be used for ${params.alg}: ${(cause as Error).message}`, { path: `${base}.jwk`, cause });
  }
}

/** A success response, sealed when the wallet asked for it: same status, body = JWE, application/jwt. */
export async function sealResponse(params: ResponseEncryption | null, response: ProtocolResponse, rec: Recorder): Promise<ProtocolResponse> {
  if (!params) return response;
  const header = { alg: params.alg, enc: params.enc, ...(params.jwk.kid ? { kid: params.jwk.kid } : {}), ...(params.zip ? { zip: params.zip } : {}) };
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(response.body))).setProtectedHeader(header).encrypt(await importJWK(params.jwk, params.alg));
  rec.log('info', 'Response encrypted for the wallet (OID4VCI 1.0 §10)', { jwe_header: header, wallet_key_thumbprint: jwkThumbprintSync(params.jwk), plaintext_members: Object.keys(response.body as object) });
  return { ...response, headers: { ...response.headers, 'content-type': 'application/jwt' }, body: jwe };
}

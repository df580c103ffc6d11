/**
 * Inspection of a `jwt` key proof (OID4VCI 1.0 App. F.1 / F.4) with the issuer's own checks
 * (src/protocol/oid4vci/proofs/jwt-proof.ts), each run on its own so every failure is listed.
 */
import type { KeyObject } from 'node:crypto';
import { formatSpecRef, truncate } from '../core/diagnostics.js';
import {
  checkAlg, checkAud, checkIat, checkNonceClaim, checkSignature, checkTyp, claimsSummary, headerSummary, parseCompact, type JwtProofPolicy,
} from '../protocol/oid4vci/proofs/jwt-proof.js';
import { resolveProofKey, verificationKey, VERIFIABLE_ALGS, type ProofKey } from '../protocol/oid4vci/proofs/proof-key.js';
import { decodeJwt } from '../formats/decode/jwt.js';
import type { JWK } from 'jose';
import { minimalPublicJwk, publicJwkProblem } from '../crypto/did-resolver.js';
import { jwkThumbprintSync } from '../crypto/jwk-thumbprint.js';
import { CheckList, type ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';

const F1 = formatSpecRef({ spec: 'OID4VCI 1.0', section: 'Appendix F.1' });
const F4 = formatSpecRef({ spec: 'OID4VCI 1.0', section: 'Appendix F.4' });

export interface ProofInspection {
  checks: CheckList;
  decoded?: { header: Record<string, unknown>; payload: Record<string, unknown> };
  keys: ResolvedKeyView[];
  /** For batch checks in a credential request. */
  nonce?: unknown;
  thumbprint?: string;
}

export interface ProofOptions {
  /** proof_signing_alg_values_supported when the configuration is known. */
  allowedAlgs?: string[];
  bindingMethods?: string[];
  path?: string;
  prefix?: string;
}

export async function inspectProof(ctx: InspectContext, value: string, opts: ProofOptions = {}): Promise<ProofInspection> {
  const list = new CheckList(opts.prefix ?? 'proof.');
  const keys: ResolvedKeyView[] = [];
  const path = opts.path ?? 'proof';
  const parsed = await list.run('structure', F1, 'a compact JWS with JSON header and payload', () => parseCompact(value, path));
  if (!parsed) return { checks: list, keys };
  const { header, payload } = parsed;
  const found = headerSummary(header);
  const policy: JwtProofPolicy = {
    issuerIdentifier: ctx.expected.aud ?? '',
    allowedAlgs: opts.allowedAlgs ?? [...VERIFIABLE_ALGS],
    bindingMethods: opts.bindingMethods,
    iatSkewSeconds: ctx.proofPolicy.iatSkewSeconds,
    maxAgeSeconds: ctx.proofPolicy.maxAgeSeconds,
    nonceRequired: ctx.proofPolicy.nonceRequired,
    anonymousGrant: false,
  };
  await list.run('typ', F1, `typ is "${header.typ}"`, (w) => checkTyp(header, found, path, w));
  const alg = await list.run('alg', F1, (a: string) => `alg ${a}${opts.allowedAlgs ? ' is in proof_signing_alg_values_supported' : ' is asymmetric and verifiable'}`, () => checkAlg(header, policy, found, path));
  let key: ProofKey | undefined;
  if (alg) {
    key = await list.run('key', F1, (k: ProofKey) => `holder key from ${k.keySource}${k.didUrl ? ` (${truncate(k.didUrl, 60)})` : ''}`, (w) =>
      resolveProofKey(header, alg, { path, found, bindingMethods: opts.bindingMethods, warnings: w, ...attestedKeysOf(header.key_attestation) }));
  } else list.skip('key', F1, 'not resolved: alg unusable');
  if (key) keys.push({ source: key.keySource === 'jwk' || key.keySource === 'x5c' ? `header.${key.keySource}` : `header.kid (${key.keySource})`, jwk: key.jwk, thumbprint: key.thumbprint, ...(key.didUrl ? { did: key.didUrl } : {}) });
  if (alg && key) {
    let crypto: KeyObject | undefined;
    try {
      crypto = verificationKey(key);
    } catch (e) {
      list.fail('signature', F4, `the key cannot be imported for ${alg} (invalid point or parameters): ${(e as Error).message}`, { code: key.keySource === 'jwk' ? 'proof.jwt.jwk_invalid' : key.keySource === 'x5c' ? 'proof.jwt.x5c_invalid' : 'proof.jwt.did_invalid' });
    }
    const usable = crypto;
    if (usable) await list.run('signature', F4, `signature verifies with the ${key.keySource} key`, () => checkSignature(parsed.jwt, header, parsed.signature, alg, usable, found, path));
  } else list.skip('signature', F4, 'not checked: no usable key');

  const claimsFound = claimsSummary(payload, found);
  if (ctx.expected.aud) await list.run('aud', F1, `aud equals "${ctx.expected.aud}"`, (w) => checkAud(payload, ctx.expected.aud!, claimsFound, path, w));
  else list.skip('aud', F1, `aud is ${JSON.stringify(truncate(payload.aud, 100))}; give expected.aud (the Credential Issuer Identifier) to compare`);
  if (ctx.ignoreTime) list.skip('iat', F1, `iat = ${JSON.stringify(payload.iat)}; time checks ignored`);
  else await list.run('iat', formatSpecRef({ spec: 'OID4VCI 1.0', section: '13.8' }), `iat ${payload.iat} is within the window`, (w) => checkIat(payload, policy, ctx.nowSeconds, claimsFound, path, w));
  await list.run('nonce', F1, payload.nonce === undefined ? 'no nonce (allowed only when the issuer has no nonce endpoint)' : 'nonce is a non-empty string', () => checkNonceClaim(payload, policy.nonceRequired, claimsFound, path));
  if (ctx.expected.nonce !== undefined && typeof payload.nonce === 'string') {
    list.expect(payload.nonce === ctx.expected.nonce, 'nonce_value', formatSpecRef({ spec: 'OID4VCI 1.0', section: '7' }), {
      pass: 'nonce equals the expected c_nonce',
      fail: `nonce ${JSON.stringify(truncate(payload.nonce, 40))} is not the expected c_nonce ${JSON.stringify(truncate(ctx.expected.nonce, 40))}`,
    }, { code: 'proof.jwt.nonce_unknown' });
  }
  if (payload.iss !== undefined) list.pass('iss', F1, `iss ${JSON.stringify(truncate(payload.iss, 60))} present: it must be the client_id, and omitted after an anonymous pre-authorized grant`);
  if (typeof header.key_attestation === 'string') {
    try {
      decodeJwt(header.key_attestation);
    } catch (e) {
      list.fail('key_attestation', formatSpecRef({ spec: 'OID4VCI 1.0', section: 'Appendix D.1' }), `key_attestation is not a JWT: ${(e as Error).message}`);
    }
  }
  return { checks: list, decoded: { header, payload }, keys, nonce: payload.nonce, thumbprint: key?.thumbprint };
}

/**
 * The attested_keys of a key_attestation header, decoded without verification (the
 * key_attestation kind inspects the attestation itself), so a kid pointing into them resolves
 * and the key-not-attested check runs as at the credential endpoint.
 */
function attestedKeysOf(value: unknown): { attestedKeys?: { jwk: JWK; thumbprint: string; kid?: string }[] } {
  if (typeof value !== 'string') return {};
  try {
    const keys = decodeJwt(value).payload.attested_keys;
    if (!Array.isArray(keys)) return {};
    const attestedKeys = keys.filter((k) => !publicJwkProblem(k)).map((k) => {
      const jwk = minimalPublicJwk(k as Record<string, unknown>);
      const kid = (k as { kid?: unknown }).kid;
      return { jwk, thumbprint: jwkThumbprintSync(jwk), ...(typeof kid === 'string' ? { kid } : {}) };
    });
    return attestedKeys.length ? { attestedKeys } : {};
  } catch {
    return {};
  }
}

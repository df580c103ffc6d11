/**
 * Checks shared by the JWT kinds the inspector reads (DPoP proofs, attestations, JWT
 * credentials): decoding, asymmetric alg, signature against a given key, x5c chain, time claims.
 */
import { describeNumericDate } from '../core/input-limits.js';
import { cachedJwsPublicKey, jwsSignatureValid as jwsSignatureValidWith } from '../crypto/jws-signature.js';
import type { JWK } from 'jose';
import { truncate } from '../core/diagnostics.js';
import { minimalPublicJwk, publicJwkProblem } from '../crypto/did-resolver.js';
import { decodeJwt, type DecodedJwt } from '../formats/decode/jwt.js';
import { describeCertificateChain, x5cToDer, type CertificateSummary } from '../formats/decode/x509.js';
import { jwkThumbprintSync, keyAlgMismatch, VERIFIABLE_ALGS } from '../protocol/oid4vci/proofs/proof-key.js';
import type { CheckList, ResolvedKeyView } from './checks.js';

export interface TimeOptions {
  nowSeconds: number;
  ignoreTime: boolean;
  /** Allowed clock skew for iat/nbf in the future. */
  skewSeconds: number;
}

export function decodeOrFail(list: CheckList, value: string, spec: string, what: string, code?: string): DecodedJwt | undefined {
  try {
    const decoded = decodeJwt(value);
    list.pass('structure', spec, `${what} is a compact JWS with JSON header and payload`);
    return decoded;
  } catch (e) {
    list.fail('structure', spec, `${what} is not a compact JWS: ${(e as Error).message}`, { code });
    return undefined;
  }
}

export function checkTypValue(list: CheckList, header: Record<string, unknown>, expected: string, spec: string, legacy: Record<string, string> = {}, code?: string): void {
  const typ = header.typ;
  if (typ === expected) return list.pass('typ', spec, `typ is "${expected}"`, { code });
  if (typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === expected) {
    return list.warn('typ', spec, `typ "${typ}" names ${expected} in another spelling; send it exactly`, { code, expected, found: typ });
  }
  if (typeof typ === 'string' && legacy[typ]) return list.warn('typ', spec, `typ "${typ}" is ${legacy[typ]}`, { code, expected, found: typ });
  list.fail('typ', spec, typ === undefined ? `header has no typ; expected "${expected}"` : `typ ${JSON.stringify(truncate(typ, 60))} is not "${expected}"`, { code, expected, found: typ });
}

export function checkAsymmetricAlg(list: CheckList, header: Record<string, unknown>, spec: string, code?: string): string | undefined {
  const alg = header.alg;
  if (typeof alg !== 'string') {
    list.fail('alg', spec, 'header has no alg', { code });
    return undefined;
  }
  if (alg.toLowerCase() === 'none' || /^HS\d+$/.test(alg)) {
    list.fail('alg', spec, `alg ${alg} is ${alg.toLowerCase() === 'none' ? 'unsigned' : 'a symmetric MAC'}; an asymmetric signature is required`, { code });
    return undefined;
  }
  if (!VERIFIABLE_ALGS.includes(alg)) {
    list.fail('alg', spec, `alg ${truncate(alg, 30)} is not an asymmetric JWS alg the inspector can verify (${VERIFIABLE_ALGS.join(', ')})`, { code });
    return undefined;
  }
  list.pass('alg', spec, `alg ${alg} (asymmetric)${alg === 'ES256' ? '' : '; HAIP wallets and issuers must support ES256'}`, { code });
  return alg;
}

/** A public JWK from a header or claim, validated; records the key and a check entry. */
export function publicKeyOrFail(list: CheckList, value: unknown, check: string, spec: string, source: string, keys: ResolvedKeyView[], alg?: string, code?: string): JWK | undefined {
  const problem = publicJwkProblem(value);
  if (problem) {
    list.fail(check, spec, `${source} ${problem}`, { code });
    return undefined;
  }
  const jwk = minimalPublicJwk(value as Record<string, unknown>);
  const mismatch = alg ? keyAlgMismatch(alg, jwk) : undefined;
  if (mismatch) {
    list.fail(check, spec, `${source}: ${mismatch}`, { code });
    return undefined;
  }
  list.pass(check, spec, `${source} is a public ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ''} key`, { code });
  keys.push({ source, jwk, thumbprint: jwkThumbprintSync(jwk) });
  return jwk;
}

/** JWS signature check of a decoded JWT with a JWK; false for any key or signature problem. */
export function jwsSignatureValid(decoded: DecodedJwt, alg: string, jwk: JWK): boolean {
  try {
    return jwsSignatureValidWith(decoded.signingInput, decoded.signature, alg, cachedJwsPublicKey(jwk as Record<string, unknown>, jwkThumbprintSync(jwk)));
  } catch {
    return false;
  }
}

export function checkSignatureWith(list: CheckList, decoded: DecodedJwt, alg: string | undefined, jwk: JWK | undefined, spec: string, keyName: string, code?: string): void {
  if (!alg || !jwk) return list.skip('signature', spec, `not checked: ${!alg ? 'alg' : 'key'} unusable`);
  list.expect(jwsSignatureValid(decoded, alg, jwk), 'signature', spec, {
    pass: `signature verifies with ${keyName}`,
    fail: `signature does not verify with ${keyName} (other key, DER-encoded ECDSA instead of raw r||s, or the JWT was modified)`,
  }, { code });
}

/** x5c: parse, describe, check each link; the leaf key is returned. */
export function x5cChain(list: CheckList, x5c: unknown, spec: string, keys: ResolvedKeyView[], opts: { nowSeconds: number; ignoreTime: boolean; haip?: boolean }): { jwk?: JWK; chain?: CertificateSummary[] } {
  let chain: CertificateSummary[];
  try {
    chain = describeCertificateChain(x5cToDer(x5c));
  } catch (e) {
    list.fail('x5c', spec, `x5c is not a chain of base64 DER certificates: ${(e as Error).message}`);
    return {};
  }
  list.pass('x5c', spec, `x5c holds ${chain.length} certificate(s); leaf subject ${chain[0].subject}`);
  chain.forEach((c, i) => {
    if (c.signedByNext !== undefined) list.expect(c.signedByNext, `x5c[${i}].issued_by_next`, 'RFC 5280 §6', { pass: `x5c[${i}] is issued and signed by x5c[${i + 1}]`, fail: `x5c[${i}] is not signed by x5c[${i + 1}]: the chain is out of order or broken` });
    if (!opts.ignoreTime) {
      const now = opts.nowSeconds * 1000;
      list.expect(Date.parse(c.notBefore) <= now && now <= Date.parse(c.notAfter), `x5c[${i}].validity`, 'RFC 5280 §4.1.2.5', { pass: `x5c[${i}] is valid now (${c.notBefore} .. ${c.notAfter})`, fail: `x5c[${i}] is not valid now (${c.notBefore} .. ${c.notAfter})` });
    }
  });
  if (opts.haip) {
    const last = chain.at(-1)!;
    list.expect(!chain[0].selfSigned, 'x5c.leaf_not_self_signed', 'HAIP 1.0 §6.1.1', { pass: 'the leaf is not self-signed', fail: 'the leaf certificate is self-signed; HAIP wants a signer certificate issued by a CA' }, { severity: 'warn' });
    list.expect(!(chain.length > 1 && last.selfSigned), 'x5c.no_trust_anchor', 'HAIP 1.0 §6.1.1', { pass: 'the chain does not include its trust anchor', fail: 'the chain ends with a self-signed root; x5c should exclude the trust anchor' }, { severity: 'warn' });
  }
  keys.push({ source: 'x5c[0]', jwk: chain[0].publicKeyJwk, thumbprint: jwkThumbprintSync(minimalPublicJwk(chain[0].publicKeyJwk as Record<string, unknown>)), certificate: chain[0] });
  return { jwk: chain[0].publicKeyJwk, chain };
}

/** iat / nbf / exp as NumericDates, judged against now unless time is ignored. */
export function checkTimeClaims(list: CheckList, payload: Record<string, unknown>, spec: string, t: TimeOptions, req: { iat?: boolean; exp?: boolean; maxAgeSeconds?: number; code?: string } = {}): void {
  const code = req.code;
  for (const claim of ['iat', 'nbf', 'exp'] as const) {
    const value = payload[claim];
    const required = claim === 'iat' ? req.iat : claim === 'exp' ? req.exp : false;
    if (value === undefined) {
      if (required) list.fail(claim, spec, `payload has no ${claim}`, { code });
      continue;
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      list.fail(claim, spec, `${claim} ${truncate(value, 40)} is not a NumericDate number`, { code });
      continue;
    }
    const when = describeNumericDate(value);
    if (t.ignoreTime) {
      list.skip(claim, spec, `${claim} = ${value} (${when}); time checks ignored`);
      continue;
    }
    const now = t.nowSeconds;
    if (claim === 'exp') list.expect(value > now, claim, spec, { pass: `exp ${when} is in the future`, fail: `expired at ${when}` }, { code });
    else if (value > now + t.skewSeconds) list.fail(claim, spec, `${claim} ${when} is ${Math.round(value - now)}s in the future${value > now * 100 ? ' (milliseconds instead of seconds?)' : ''}`, { code });
    else if (claim === 'iat' && req.maxAgeSeconds !== undefined && value < now - req.maxAgeSeconds) list.fail(claim, spec, `iat ${when} is ${Math.round(now - value)}s old, more than ${req.maxAgeSeconds}s`, { code });
    else list.pass(claim, spec, `${claim} ${when} is acceptable`, { code });
  }
}

/**
 * Trust lists for wallet attestations (ABCA -07, OID4VCI 1.0 App. E) and key attestations
 * (App. D): the wallet-provider keys an issuer accepts, as JWKs and/or X.509 roots. Loaded once
 * at boot from WALLET_ATTESTATION_TRUST / KEY_ATTESTATION_TRUST (a JSON file, inline JSON, or a
 * PEM file of roots); a broken list fails the boot with every problem named.
 *
 * `resolveAttesterKey` tells, for one attestation header, which key verifies its signature and
 * whether that key is trusted, with the reason in words (the playground logs what strict mode
 * would have refused).
 */
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { JWK } from 'jose';
import { ConfigError } from '../core/config-error.js';
import { minimalPublicJwk, publicJwkProblem } from './did-resolver.js';
import { pemCertificatesToDer } from './certificates.js';
import { jwkThumbprintSync } from './jwk-thumbprint.js';
import { certificateKeyProblem, MAX_X5C_CERTIFICATE_CHARS, MAX_X5C_CERTIFICATES } from './key-bounds.js';

export interface TrustedKey {
  jwk: JWK;
  thumbprint: string;
  kid?: string;
}

export interface TrustList {
  /** Where it came from, for logs: a path, "inline JSON" or "none configured". */
  source: string;
  keys: TrustedKey[];
  roots: X509Certificate[];
}

/** A ConfigError, so the boot prints the problems without a stack. */
export class TrustListError extends ConfigError {}

export const EMPTY_TRUST_LIST: TrustList = Object.freeze({ source: 'none configured', keys: [], roots: [] });

/** `value`: undefined (empty list), inline JSON (starts with "{"), a .pem file of roots, or a JSON file. */
export function loadTrustList(value: string | undefined, name: string, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): TrustList {
  if (!value) return EMPTY_TRUST_LIST;
  const inline = value.trimStart().startsWith('{');
  const source = inline ? 'inline JSON' : value;
  let text: string;
  try {
    text = inline ? value : read(value);
  } catch (e) {
    throw new TrustListError(`${name}: cannot read ${value}: ${(e as Error).message}`);
  }
  if (!inline && /-----BEGIN CERTIFICATE-----/.test(text)) return { source, keys: [], roots: parseRoots([text], name, read) };
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new TrustListError(`${name}: ${source} is neither JSON nor a PEM certificate file: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new TrustListError(`${name}: expected a JSON object {"jwks": [...], "x509_roots": [...]}`);
  const { jwks, x509_roots: roots, ...rest } = doc as Record<string, unknown>;
  const problems: string[] = Object.keys(rest).filter((k) => k !== '$comment').map((k) => `unknown member ${k} (expected jwks, x509_roots)`);
  const keyList = Array.isArray(jwks) ? jwks : jwks && typeof jwks === 'object' && Array.isArray((jwks as { keys?: unknown }).keys) ? (jwks as { keys: unknown[] }).keys : jwks === undefined ? [] : null;
  if (keyList === null) problems.push('jwks must be an array of JWKs or a JWK Set {"keys": [...]}');
  const keys: TrustedKey[] = [];
  (keyList ?? []).forEach((k, i) => {
    const problem = publicJwkProblem(k);
    if (problem) return problems.push(`jwks[${i}] ${problem}`);
    const jwk = minimalPublicJwk(k as Record<string, unknown>);
    const kid = (k as { kid?: unknown }).kid;
    keys.push({ jwk, thumbprint: jwkThumbprintSync(jwk), ...(typeof kid === 'string' ? { kid } : {}) });
  });
  if (roots !== undefined && !(Array.isArray(roots) && roots.every((r) => typeof r === 'string'))) problems.push('x509_roots must be an array of PEM strings or PEM file paths');
  let parsedRoots: X509Certificate[] = [];
  try {
    parsedRoots = Array.isArray(roots) ? parseRoots(roots as string[], name, read) : [];
  } catch (e) {
    problems.push((e as Error).message);
  }
  if (problems.length) throw new TrustListError(`${name} (${source}):\n  ${problems.join('\n  ')}`);
  return { source, keys, roots: parsedRoots };
}

function parseRoots(entries: string[], name: string, read: (path: string) => string): X509Certificate[] {
  const out: X509Certificate[] = [];
  for (const entry of entries) {
    const pem = entry.includes('-----BEGIN') ? entry : read(entry);
    const ders = pemCertificatesToDer(pem);
    if (ders.length === 0) throw new TrustListError(`${name}: no PEM certificate in ${entry.includes('-----BEGIN') ? 'an x509_roots entry' : entry}`);
    for (const der of ders) out.push(new X509Certificate(der));
  }
  return out;
}

export interface AttesterKey {
  /** Keys that may verify the signature, in order; empty when the attester key is unknown. */
  candidates: JWK[];
  via: 'x5c' | 'kid' | 'jwk' | 'trust_list' | 'none';
  trusted: boolean;
  /** Why it is trusted, or exactly what strict mode refuses. */
  reason: string;
  /** x5c: subjects leaf first, for the session log. */
  chain?: string[];
}

/** A malformed or broken x5c: a wallet mistake in any mode. */
export class AttesterKeyError extends Error {}

export function resolveAttesterKey(header: Record<string, unknown>, trust: TrustList, nowMs: number): AttesterKey {
  if (header.x5c !== undefined) return fromX5c(header.x5c, trust, nowMs);
  if (typeof header.kid === 'string') {
    const kid = header.kid;
    const hit = trust.keys.find((k) => k.kid === kid);
    if (hit) return { candidates: [hit.jwk], via: 'kid', trusted: true, reason: `kid ${kid} is in the trust list (${trust.source})` };
  }
  if (header.jwk !== undefined) {
    const problem = publicJwkProblem(header.jwk);
    if (problem) throw new AttesterKeyError(`header jwk ${problem}`);
    const jwk = minimalPublicJwk(header.jwk as Record<string, unknown>);
    const hit = trust.keys.find((k) => k.thumbprint === jwkThumbprintSync(jwk));
    return hit
      ? { candidates: [jwk], via: 'jwk', trusted: true, reason: `the header jwk is in the trust list (${trust.source})` }
      : { candidates: [jwk], via: 'jwk', trusted: false, reason: 'the attester key is an inline header jwk that is not in the trust list: anyone can sign such an attestation' };
  }
  if (typeof header.kid === 'string') {
    return { candidates: [], via: 'kid', trusted: false, reason: `kid ${header.kid.slice(0, 60)} is not in the trust list (${trust.source}), so the signature cannot be checked` };
  }
  // No key in the header: try the trusted keys that have no kid.
  const anonymous = trust.keys.filter((k) => k.kid === undefined).map((k) => k.jwk);
  if (anonymous.length) return { candidates: anonymous, via: 'trust_list', trusted: true, reason: `signed by a trust-list key (${trust.source})` };
  return { candidates: [], via: 'none', trusted: false, reason: 'the header names no attester key (no x5c, kid or jwk) and the trust list has no key to try' };
}

function fromX5c(x5c: unknown, trust: TrustList, nowMs: number): AttesterKey {
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string')) throw new AttesterKeyError('x5c must be a non-empty array of base64 DER certificates');
  // The cheap checks first, then every key's bounds, and only then any signature (key-bounds.ts).
  if (x5c.length > MAX_X5C_CERTIFICATES) throw new AttesterKeyError(`x5c has ${x5c.length} certificates; at most ${MAX_X5C_CERTIFICATES} are read (leaf and intermediates, without the trust anchor)`);
  const certs = x5c.map((c: string, i) => {
    if (/[-_]/.test(c)) throw new AttesterKeyError(`x5c[${i}] looks base64url-encoded; x5c uses standard base64 (RFC 7515 §4.1.6)`);
    if (c.length > MAX_X5C_CERTIFICATE_CHARS) throw new AttesterKeyError(`x5c[${i}] is ${c.length} characters long; at most ${MAX_X5C_CERTIFICATE_CHARS} are accepted for one certificate`);
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(Buffer.from(c, 'base64'));
    } catch (e) {
      throw new AttesterKeyError(`x5c[${i}] is not a DER X.509 certificate: ${(e as Error).message}`);
    }
    const problem = certificateKeyProblem(cert);
    if (problem) throw new AttesterKeyError(`x5c[${i}] (${oneLine(cert.subject)}) ${problem}`);
    return cert;
  });
  certs.forEach((cert, i) => {
    if (nowMs < Date.parse(cert.validFrom) || nowMs > Date.parse(cert.validTo)) throw new AttesterKeyError(`x5c[${i}] (${oneLine(cert.subject)}) is not valid now (${cert.validFrom} .. ${cert.validTo})`);
    const next = certs[i + 1];
    if (next && !(cert.checkIssued(next) && safeVerify(cert, next))) throw new AttesterKeyError(`x5c[${i}] is not issued and signed by x5c[${i + 1}]: the chain is out of order or broken`);
  });
  const leafJwk = certs[0].publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
  const problem = publicJwkProblem(leafJwk);
  if (problem) throw new AttesterKeyError(`the x5c leaf key ${problem}`);
  const chain = certs.map((c) => oneLine(c.subject));
  const base = { candidates: [minimalPublicJwk(leafJwk)], via: 'x5c' as const, chain };
  const last = certs[certs.length - 1];
  for (const root of trust.roots) {
    if (certs.some((c) => c.fingerprint256 === root.fingerprint256)) return { ...base, trusted: true, reason: `the x5c chain contains the trusted root ${oneLine(root.subject)}` };
    if (last.checkIssued(root) && safeVerify(last, root)) {
      if (nowMs > Date.parse(root.validTo)) return { ...base, trusted: false, reason: `the x5c chain ends at the trusted root ${oneLine(root.subject)}, which expired ${root.validTo}` };
      return { ...base, trusted: true, reason: `the x5c chain is issued by the trusted root ${oneLine(root.subject)}` };
    }
  }
  const roots = trust.roots.length ? `none of the ${trust.roots.length} trusted root(s) (${trust.source})` : `no trusted root (${trust.source})`;
  return { ...base, trusted: false, reason: `the x5c chain (issuer of the last certificate: ${oneLine(last.issuer)}) leads to ${roots}` };
}

function safeVerify(cert: X509Certificate, by: X509Certificate): boolean {
  try {
    return cert.verify(by.publicKey);
  } catch {
    return false;
  }
}

const oneLine = (dn: string) => dn.split('\n').filter(Boolean).join(', ');

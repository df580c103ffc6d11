import { X509Certificate } from 'node:crypto';
import type { JWK } from 'jose';

/** What a user wants to see of a certificate chain, and whether each link holds. */
export interface CertificateSummary {
  subject: string;
  issuer: string;
  serialNumber: string;
  notBefore: string;
  notAfter: string;
  sha256Fingerprint: string;
  selfSigned: boolean;
  publicKeyJwk: JWK;
  /** Whether the next certificate in the chain issued and signed this one (undefined for the last). */
  signedByNext?: boolean;
}

/**
 * Parsed certificates, by their bytes. The self-check reads this issuer's own chain for every
 * credential it issues; parsing it each time was a visible share of the issuance CPU.
 */
const parsed = new Map<string, X509Certificate>();

export function parseCertificate(der: Uint8Array | string): X509Certificate {
  const key = typeof der === 'string' ? der : Buffer.from(der).toString('base64');
  let cert = parsed.get(key);
  if (!cert) {
    cert = new X509Certificate(typeof der === 'string' ? der : Buffer.from(der));
    if (parsed.size >= 1000) parsed.clear();
    parsed.set(key, cert);
  }
  return cert;
}

const verified = new Map<string, boolean>();

/** Whether `child` is issued and signed by `issuer`; memoised, since both are immutable bytes. */
export function issuedBy(child: X509Certificate, issuer: X509Certificate): boolean {
  const key = `${child.fingerprint256}>${issuer.fingerprint256}`;
  let ok = verified.get(key);
  if (ok === undefined) {
    ok = child.checkIssued(issuer) && child.verify(issuer.publicKey);
    if (verified.size >= 1000) verified.clear();
    verified.set(key, ok);
  }
  return ok;
}

/**
 * Summaries by chain bytes: the self-check describes this issuer's own chain for every
 * credential, two signature checks and a key export each time. Nothing in a summary depends on
 * the time (validity is compared with "now" by the callers).
 */
const described = new Map<string, readonly CertificateSummary[]>();

/** Chain leaf first, as x5c (RFC 7515 §4.1.6) and COSE x5chain (RFC 9360) carry it. */
export function describeCertificateChain(ders: Uint8Array[]): CertificateSummary[] {
  const key = ders.map((d) => Buffer.from(d).toString('base64')).join('.');
  let summaries = described.get(key);
  if (!summaries) {
    summaries = describeUncached(ders);
    if (described.size >= 100) described.clear();
    described.set(key, summaries);
  }
  // Copies: callers may annotate what they get.
  return summaries.map((s) => ({ ...s, publicKeyJwk: { ...s.publicKeyJwk } }));
}

function describeUncached(ders: Uint8Array[]): CertificateSummary[] {
  const certs = ders.map(parseCertificate);
  return certs.map((cert, i) => {
    const next = certs[i + 1];
    const jwk = cert.publicKey.export({ format: 'jwk' }) as JWK;
    return {
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      serialNumber: cert.serialNumber,
      notBefore: new Date(cert.validFrom).toISOString(),
      notAfter: new Date(cert.validTo).toISOString(),
      sha256Fingerprint: cert.fingerprint256,
      selfSigned: cert.checkIssued(cert) && safeVerify(cert, cert),
      publicKeyJwk: jwk,
      ...(next ? { signedByNext: cert.checkIssued(next) && safeVerify(cert, next) } : {}),
    };
  });
}

function safeVerify(cert: X509Certificate, by: X509Certificate): boolean {
  try {
    return cert.verify(by.publicKey);
  } catch {
    return false;
  }
}

/** x5c values are standard base64 DER (not base64url). */
export function x5cToDer(x5c: unknown): Uint8Array[] {
  if (!Array.isArray(x5c) || x5c.length === 0 || !x5c.every((c) => typeof c === 'string')) {
    throw new Error('x5c is not a non-empty array of strings');
  }
  return x5c.map((c: string) => new Uint8Array(Buffer.from(c, 'base64')));
}

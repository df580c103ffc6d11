/**
 * What the wallet shows of a credential it received: SD-JWT claims and disclosures, mdoc
 * namespaces, elements, validity and certificate chain, JWT VC payload, and whether the
 * credential is bound to the key the wallet proved.
 */
import type { JWK } from 'jose';
import { decodeJwt } from '../formats/decode/jwt.js';
import { decodeMdocCredential, coseAlgName } from '../formats/decode/mso-mdoc.js';
import { decodeSdJwtVc } from '../formats/decode/sd-jwt-vc.js';
import { describeCertificateChain, x5cToDer, type CertificateSummary } from '../formats/decode/x509.js';
import { jwkThumbprint } from './keys.js';

export interface CredentialView {
  format: string;
  /** Thumbprint of the key the credential is bound to, and whether it is the wallet's. */
  bound_key?: string;
  bound_to_wallet_key?: boolean;
  validity?: { from?: string; until?: string; signed?: string };
  issuer_signature_valid?: boolean;
  certificate_chain?: CertificateSummary[];
  claims?: unknown;
  disclosures?: { name?: string; value: unknown; referenced: boolean }[];
  namespaces?: Record<string, Record<string, unknown>>;
  doctype?: string;
  vct?: string;
  header?: Record<string, unknown>;
  payload?: Record<string, unknown>;
  problems: string[];
}

const iso = (s: unknown) => (typeof s === 'number' ? new Date(s * 1000).toISOString() : undefined);

function chainOf(x5c: unknown, problems: string[]): CertificateSummary[] | undefined {
  if (x5c === undefined) return undefined;
  try {
    return describeCertificateChain(x5cToDer(x5c));
  } catch (e) {
    problems.push(`x5c unreadable: ${(e as Error).message}`);
    return undefined;
  }
}

export function decodeReceivedCredential(format: string, credential: unknown, walletKey: JWK): CredentialView {
  const problems: string[] = [];
  const ours = jwkThumbprint(walletKey);
  const bound = (jwk: JWK | undefined) => (jwk ? { bound_key: jwkThumbprint(jwk), bound_to_wallet_key: jwkThumbprint(jwk) === ours } : {});
  if (typeof credential !== 'string') return { format, claims: credential, problems: ['credential is not a string (ldp_vc?)'] };
  try {
    if (format === 'dc+sd-jwt' || format === 'vc+sd-jwt') {
      const d = decodeSdJwtVc(credential);
      const p = d.issuerJwt.payload;
      const unreferenced = d.disclosures.filter((x) => !x.referenced);
      if (unreferenced.length) problems.push(`${unreferenced.length} disclosure(s) not referenced by a digest`);
      return {
        format, vct: p.vct as string, ...bound((p.cnf as { jwk?: JWK } | undefined)?.jwk),
        validity: { from: iso(p.nbf ?? p.iat), until: iso(p.exp) },
        certificate_chain: chainOf(d.issuerJwt.header.x5c, problems),
        header: d.issuerJwt.header, claims: d.claims,
        disclosures: d.disclosures.map((x) => ({ name: x.name, value: x.value, referenced: x.referenced })), problems,
      };
    }
    if (format === 'mso_mdoc') {
      const m = decodeMdocCredential(credential);
      if (!m.signatureValid) problems.push('issuerAuth signature does not verify with the x5chain leaf');
      const bad = m.elements.filter((e) => !e.digestMatches);
      if (bad.length) problems.push(`digest mismatch: ${bad.map((e) => e.elementIdentifier).join(', ')}`);
      problems.push(...m.notes);
      return {
        format, doctype: m.docType, ...bound(m.deviceKey),
        validity: { signed: m.validityInfo.signed, from: m.validityInfo.validFrom, until: m.validityInfo.validUntil },
        issuer_signature_valid: m.signatureValid,
        certificate_chain: describeCertificateChain(m.x5chain),
        header: { cose_alg: m.coseAlg, alg: coseAlgName(m.coseAlg), digest_algorithm: m.digestAlgorithm },
        namespaces: m.namespaces, problems,
      };
    }
    const j = decodeJwt(credential);
    return {
      format, ...bound((j.payload.cnf as { jwk?: JWK } | undefined)?.jwk),
      validity: { from: iso(j.payload.nbf ?? j.payload.iat), until: iso(j.payload.exp) },
      certificate_chain: chainOf(j.header.x5c, problems), header: j.header, payload: j.payload, problems,
    };
  } catch (e) {
    return { format, problems: [`cannot decode: ${(e as Error).message}`] };
  }
}

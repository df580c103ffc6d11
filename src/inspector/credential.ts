/**
 * Inspection of an issued credential: dc+sd-jwt (SD-JWT VC; RFC 9901), jwt_vc_json
 * (OID4VCI 1.0 App. A.1.1) and mso_mdoc (App. A.2, ISO 18013-5 §9.1.2). Signature against the
 * x5c / x5chain leaf (or this issuer's JWKS by kid), chain links, validity, binding key,
 * disclosures or digests.
 */
import type { JWK } from 'jose';
import { truncate } from '../core/diagnostics.js';
import { decodeSdJwtVc, looksLikeSdJwt } from '../formats/decode/sd-jwt-vc.js';
import { decodeJwt, type DecodedJwt } from '../formats/decode/jwt.js';
import { issuedBy, parseCertificate } from '../formats/decode/x509.js';
import { CheckList, type ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';
import { checkAsymmetricAlg, checkSignatureWith, checkTimeClaims, checkTypValue, publicKeyOrFail, x5cChain } from './jwt-checks.js';
import { inspectMdocCredential } from './credential-mdoc.js';

const SDJWTVC = 'SD-JWT VC draft-13 §3.2';
const RFC9901 = 'RFC 9901 §7.1';
const A11 = 'OID4VCI 1.0 Appendix A.1.1';
/** Registered claims that must never be selectively disclosable (SD-JWT VC §3.2.2.2). */
const NEVER_DISCLOSED = new Set(['iss', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status']);

export function detectCredentialFormat(value: string): 'dc+sd-jwt' | 'jwt_vc_json' | 'mso_mdoc' {
  if (looksLikeSdJwt(value)) return 'dc+sd-jwt';
  return value.split('.').length === 3 ? 'jwt_vc_json' : 'mso_mdoc';
}

/** The issuer key of a JWT credential: x5c leaf (HAIP §6.1.1), else this issuer's JWKS by kid. */
function signingKey(list: CheckList, header: Record<string, unknown>, spec: string, keys: ResolvedKeyView[], ctx: InspectContext): JWK | undefined {
  if (header.x5c !== undefined) {
    const { jwk, chain } = x5cChain(list, header.x5c, spec, keys, { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, haip: true });
    if (chain && ctx.issuerRootPem) checkChainsToRoot(list, header.x5c as string[], ctx.issuerRootPem);
    return jwk;
  }
  const byKid = ctx.issuerJwks?.keys.find((k) => k.kid !== undefined && k.kid === header.kid);
  if (byKid) return publicKeyOrFail(list, byKid, 'issuer_key', spec, `this issuer's JWKS key ${truncate(header.kid, 40)}`, keys);
  list.fail('issuer_key', 'HAIP 1.0 §6.1.1', `no x5c header${header.kid !== undefined ? ` and kid ${truncate(header.kid, 40)} is not a key of this issuer` : ''}: the issuer key cannot be found`);
  return undefined;
}

/** Whether the last certificate of an x5c chain is issued by this issuer's root (a warning when not). */
export function checkChainsToRoot(list: CheckList, x5c: string[], rootPem: string): void {
  try {
    const root = parseCertificate(rootPem);
    const last = parseCertificate(Buffer.from(x5c.at(-1)!, 'base64'));
    const ok = issuedBy(last, root);
    list.expect(ok, 'x5c.chains_to_issuer_root', 'HAIP 1.0 §6.1.1', { pass: "the chain ends under this issuer's root certificate", fail: "the chain does not lead to this issuer's root certificate (issued elsewhere, or another key)" }, { severity: 'warn' });
  } catch {
    list.skip('x5c.chains_to_issuer_root', 'HAIP 1.0 §6.1.1', 'root certificate unreadable');
  }
}

function bindingKey(list: CheckList, payload: Record<string, unknown>, spec: string, keys: ResolvedKeyView[]): void {
  const cnf = payload.cnf as Record<string, unknown> | undefined;
  if (cnf?.jwk !== undefined) publicKeyOrFail(list, cnf.jwk, 'cnf', spec, 'cnf.jwk', keys);
  else if (cnf?.kid !== undefined) list.warn('cnf', spec, `cnf.kid ${truncate(cnf.kid, 60)}: HAIP wants cnf.jwk`);
  else list.warn('cnf', spec, 'no cnf: the credential is not bound to a holder key');
}

function inspectSdJwt(ctx: InspectContext, value: string, list: CheckList, keys: ResolvedKeyView[]) {
  let decoded: ReturnType<typeof decodeSdJwtVc>;
  try {
    decoded = decodeSdJwtVc(value);
  } catch (e) {
    list.fail('structure', 'RFC 9901 §4', `not an SD-JWT: ${(e as Error).message}`);
    return undefined;
  }
  list.pass('structure', 'RFC 9901 §4', `issuer-signed JWT with ${decoded.disclosures.length} disclosure(s)${decoded.kbJwt ? ' and a KB-JWT' : ''}`);
  list.expect(decoded.endsWithTilde || !!decoded.kbJwt, 'trailing_tilde', 'RFC 9901 §4', { pass: 'ends with ~ (no KB-JWT) as required', fail: 'an SD-JWT without KB-JWT must end with ~' });
  const { header, payload } = decoded.issuerJwt;
  checkTypValue(list, header, 'dc+sd-jwt', SDJWTVC, { 'vc+sd-jwt': 'the typ of SD-JWT VC drafts ≤ 05 (OID4VCI ≤ d14); verifiers accept it only during a transition' });
  const alg = checkAsymmetricAlg(list, header, SDJWTVC);
  const jwk = signingKey(list, header, 'HAIP 1.0 §6.1.1', keys, ctx);
  checkSignatureWith(list, decoded.issuerJwt, alg, jwk, SDJWTVC, 'the issuer key');
  list.expect(typeof payload.vct === 'string', 'vct', SDJWTVC, { pass: `vct ${truncate(payload.vct, 80)}`, fail: 'vct missing' });
  checkTimeClaims(list, payload, SDJWTVC, { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, skewSeconds: 60 });
  list.expect(decoded.hashAlg === 'sha-256', '_sd_alg', 'HAIP 1.0 §8', { pass: '_sd_alg sha-256', fail: `_sd_alg ${decoded.hashAlg}: HAIP requires sha-256` });
  bindingKey(list, payload, SDJWTVC, keys);
  const unreferenced = decoded.disclosures.filter((d) => !d.referenced);
  list.expect(unreferenced.length === 0, 'disclosures_referenced', RFC9901, { pass: 'every disclosure is referenced by a digest', fail: `${unreferenced.length} disclosure(s) not referenced by any digest: ${unreferenced.map((d) => d.name ?? '(array element)').join(', ')}` });
  const salts = new Set(decoded.disclosures.map((d) => d.salt));
  list.expect(salts.size === decoded.disclosures.length, 'salts_distinct', 'RFC 9901 §9.3', { pass: 'disclosure salts are distinct', fail: 'two disclosures share a salt' });
  const short = decoded.disclosures.filter((d) => Buffer.from(d.salt, 'base64url').length < 16);
  list.expect(short.length === 0, 'salt_entropy', 'RFC 9901 §9.3', { pass: 'every salt has at least 128 bits', fail: `${short.length} salt(s) shorter than 128 bits` }, { severity: 'warn' });
  const disclosedRegistered = decoded.disclosures.filter((d) => d.name && NEVER_DISCLOSED.has(d.name));
  list.expect(disclosedRegistered.length === 0, 'registered_claims_plain', 'SD-JWT VC draft-13 §3.2.2.2', { pass: 'iss, nbf, exp, cnf, vct, status are not selectively disclosable', fail: `selectively disclosable: ${disclosedRegistered.map((d) => d.name).join(', ')}` });
  return {
    format: 'dc+sd-jwt', header, payload, claims: decoded.claims,
    disclosures: decoded.disclosures.map((d) => ({ name: d.name, value: d.value, digest: d.digest, referenced: d.referenced })),
    ...(decoded.kbJwt ? { kb_jwt: { header: decoded.kbJwt.header, payload: decoded.kbJwt.payload } } : {}),
  };
}

function inspectJwtVc(ctx: InspectContext, value: string, list: CheckList, keys: ResolvedKeyView[]) {
  let decoded: DecodedJwt;
  try {
    decoded = decodeJwt(value);
  } catch (e) {
    list.fail('structure', A11, `not a compact JWT: ${(e as Error).message}`);
    return undefined;
  }
  list.pass('structure', A11, 'compact JWT');
  const { header, payload } = decoded;
  const alg = checkAsymmetricAlg(list, header, A11);
  const jwk = signingKey(list, header, A11, keys, ctx);
  checkSignatureWith(list, decoded, alg, jwk, A11, 'the issuer key');
  const vc = payload.vc as Record<string, unknown> | undefined;
  list.expect(!!vc && Array.isArray(vc.type), 'vc.type', A11, { pass: `vc.type ${JSON.stringify(vc?.type)}`, fail: 'vc.type missing (the credential_definition.type of the configuration)' });
  list.expect(!!vc && typeof vc.credentialSubject === 'object', 'vc.credentialSubject', 'W3C VCDM 1.1 §4.4', { pass: 'vc.credentialSubject present', fail: 'vc.credentialSubject missing' });
  list.expect(typeof payload.iss === 'string', 'iss', 'W3C VCDM 1.1 §6.3.1', { pass: `iss ${truncate(payload.iss, 80)}`, fail: 'iss missing' });
  checkTimeClaims(list, payload, 'RFC 7519 §4.1', { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, skewSeconds: 60 });
  bindingKey(list, payload, A11, keys);
  return { format: 'jwt_vc_json', header, payload };
}

export function inspectCredential(ctx: InspectContext, value: string) {
  const list = new CheckList('credential.');
  const keys: ResolvedKeyView[] = [];
  const text = value.trim();
  const format = detectCredentialFormat(text);
  const decoded = format === 'dc+sd-jwt' ? inspectSdJwt(ctx, text, list, keys)
    : format === 'jwt_vc_json' ? inspectJwtVc(ctx, text, list, keys)
      : inspectMdocCredential(ctx, text, list, keys);
  return { checks: list, decoded: decoded ?? { format }, keys };
}

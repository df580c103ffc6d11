/**
 * One dc+sd-jwt presentation (OpenID4VP 1.0 App. B.3; SD-JWT = RFC 9901; SD-JWT VC -09):
 * issuer signature by the x5c leaf and its chain to a trusted root, every disclosure referenced
 * by a digest, validity, the vct asked for, then the KB-JWT: signed by the cnf key, nonce of
 * this request, aud = the full client_id, iat fresh, sd_hash over the presented SD-JWT; last the
 * status. Decoding is the issuer's own (formats/decode/sd-jwt-vc.ts).
 */
import { createHash } from 'node:crypto';
import { AttesterKeyError, resolveAttesterKey } from '../../crypto/attestation-trust.js';
import { publicJwkProblem } from '../../crypto/did-resolver.js';
import { jwsPublicKey, jwsSignatureValid } from '../../crypto/jws-signature.js';
import { decodeSdJwtVc, type DecodedSdJwtVc } from '../../formats/decode/sd-jwt-vc.js';
import type { DcqlCredentialQuery } from 'dcql';
import { CheckList, leafPaths, type PresentationContext } from './checks.js';
import { checkCredentialStatus, readStatusReference, type CredentialStatus } from './status-check.js';
import type { DcqlVerifiedCredential } from './dcql.js';

export interface VerifiedPresentation {
  checks: CheckList;
  /** What DCQL judges (null when the presentation could not be read at all). */
  credential: DcqlVerifiedCredential | null;
  issuer: string | null;
  trusted: boolean;
  status: CredentialStatus;
  /** Claim paths the wallet disclosed (selectively disclosed ones for SD-JWT, all elements for mdoc). */
  disclosedPaths: string[][];
}

/** Claims the issuer sets and a verifier always sees; not "disclosed" in the DCQL sense. */
const REGISTERED = new Set(['iss', 'iat', 'nbf', 'exp', 'cnf', 'vct', 'status', 'sub', 'vct#integrity', '_sd_alg']);

export async function verifySdJwtPresentation(presentation: unknown, query: DcqlCredentialQuery, ctx: PresentationContext, where: string): Promise<VerifiedPresentation> {
  const checks = new CheckList(where);
  const none = (): VerifiedPresentation => ({ checks, credential: null, issuer: null, trusted: false, status: 'unknown', disclosedPaths: [] });
  if (typeof presentation !== 'string') {
    checks.fail('vp.presentation.format_mismatch', 'format', `a dc+sd-jwt presentation is a string; found ${Array.isArray(presentation) ? 'an array' : typeof presentation}`);
    return none();
  }
  let sd: DecodedSdJwtVc;
  try {
    sd = decodeSdJwtVc(presentation);
  } catch (e) {
    checks.fail('vp.sd_jwt.malformed', 'decode', `not an SD-JWT: ${(e as Error).message}`);
    return none();
  }
  checks.pass('decode', `issuer-signed JWT, ${sd.disclosures.length} disclosure(s), ${sd.kbJwt ? 'KB-JWT' : 'no KB-JWT'}`);
  const payload = sd.issuerJwt.payload;
  const issuer = typeof payload.iss === 'string' ? payload.iss : null;

  // Format: typ and vct (§6.1, B.3.5). vc+sd-jwt is the pre-draft-23 name.
  const vct = String(payload.vct);
  const wanted = (query.meta as { vct_values?: string[] } | undefined)?.vct_values;
  if (sd.issuerJwt.header.typ !== 'dc+sd-jwt' && sd.issuerJwt.header.typ !== 'vc+sd-jwt') checks.fail('vp.presentation.format_mismatch', 'typ', `issuer JWT typ is ${String(sd.issuerJwt.header.typ)}, expected dc+sd-jwt`);
  else if (wanted && !wanted.includes(vct)) checks.fail('vp.presentation.format_mismatch', 'vct', `vct ${vct} is not one of ${wanted.join(', ')}`, { found: vct });
  else checks.pass('vct', `vct ${vct}`);

  // Issuer signature and trust (SD-JWT VC §3.5; HAIP §6.1.1: x5c).
  let trusted = false;
  try {
    const key = resolveAttesterKey({ x5c: sd.issuerJwt.header.x5c }, ctx.trust, ctx.nowMs);
    const [h, p, s] = sd.issuerJwt.compact.split('.');
    const alg = String(sd.issuerJwt.header.alg);
    if (alg !== 'ES256' || !jwsSignatureValid(`${h}.${p}`, s, alg, jwsPublicKey(key.candidates[0] as Record<string, unknown>))) {
      checks.fail('vp.sd_jwt.issuer_signature', 'issuer_signature', `the issuer signature (${alg}) does not verify with the x5c leaf key`);
    } else {
      checks.pass('issuer_signature', `${alg}, x5c leaf ${key.chain?.[0] ?? ''}`);
      trusted = key.trusted;
      if (key.trusted) checks.pass('issuer_trust', key.reason);
      else checks.judge(ctx.strict, { warning: 'vp.trust.untrusted_issuer', refused: 'vp.trust.untrusted_issuer_refused' }, 'issuer_trust', key.reason, { found: key.chain });
    }
  } catch (e) {
    const reason = e instanceof AttesterKeyError ? e.message : sd.issuerJwt.header.x5c === undefined ? 'the issuer JWT has no x5c header (HAIP §6.1.1)' : (e as Error).message;
    checks.fail('vp.sd_jwt.issuer_signature', 'issuer_signature', reason);
  }

  // RFC 9901 §7.1: every disclosure must be referenced by a digest the issuer signed.
  const unreferenced = sd.disclosures.filter((d) => !d.referenced);
  if (unreferenced.length) checks.fail('vp.sd_jwt.disclosure_unreferenced', 'disclosures', `${unreferenced.length} disclosure(s) match no digest of the issuer JWT: ${unreferenced.map((d) => d.name ?? '(array element)').join(', ')}`, { found: unreferenced.map((d) => d.encoded.slice(0, 40)) });
  else checks.pass('disclosures', `${sd.disclosures.length} disclosure(s), each referenced by a signed digest`);

  const now = Math.floor(ctx.nowMs / 1000);
  if (typeof payload.exp === 'number' && payload.exp <= now) checks.fail('vp.sd_jwt.expired', 'validity', `exp ${new Date(payload.exp * 1000).toISOString()} has passed`);
  else if (typeof payload.nbf === 'number' && payload.nbf > now + ctx.iatSkewSeconds) checks.fail('vp.sd_jwt.expired', 'validity', `nbf ${new Date(payload.nbf * 1000).toISOString()} is in the future`);
  else checks.pass('validity', typeof payload.exp === 'number' ? `valid until ${new Date(payload.exp * 1000).toISOString()}` : 'no exp');

  const bound = verifyKeyBinding(sd, presentation, query.require_cryptographic_holder_binding !== false, ctx, checks);
  const status = await checkCredentialStatus(readStatusReference(payload.status), ctx, checks);

  const baseline = new Set(leafPaths(decodeSdJwtVc(`${sd.issuerJwt.compact}~`).claims).map((p) => p.join('\u0000')));
  const disclosedPaths = leafPaths(sd.claims)
    .filter((p) => !REGISTERED.has(String(p[0])) && !baseline.has(p.join('\u0000')))
    .map((p) => p.map(String));
  return { checks, credential: { credential_format: 'dc+sd-jwt', vct, claims: sd.claims, cryptographic_holder_binding: bound }, issuer, trusted, status, disclosedPaths };
}

/** RFC 9901 §7.3 and OpenID4VP 1.0 App. B.3.6. Returns whether holder binding was proven. */
function verifyKeyBinding(sd: DecodedSdJwtVc, presentation: string, required: boolean, ctx: PresentationContext, checks: CheckList): boolean {
  if (!sd.kbJwt) {
    if (required) checks.fail('vp.kb_jwt.missing', 'key_binding', 'the presentation has no KB-JWT (it ends with ~) but the query requires holder binding');
    else checks.skip('key_binding', 'no KB-JWT; the query allows presentations without holder binding');
    return false;
  }
  const cnf = (sd.issuerJwt.payload.cnf as { jwk?: Record<string, unknown> } | undefined)?.jwk;
  const kb = sd.kbJwt;
  const alg = String(kb.header.alg);
  const [h, p, s] = presentation.slice(presentation.lastIndexOf('~') + 1).split('.');
  let signatureOk = false;
  if (!cnf || publicJwkProblem(cnf)) checks.fail('vp.kb_jwt.signature', 'kb_signature', 'the credential has no usable cnf.jwk to check the KB-JWT against');
  else if (kb.header.typ !== 'kb+jwt') checks.fail('vp.kb_jwt.signature', 'kb_signature', `KB-JWT typ is ${String(kb.header.typ)}, expected kb+jwt`);
  else {
    try {
      signatureOk = alg === 'ES256' && jwsSignatureValid(`${h}.${p}`, s, alg, jwsPublicKey(cnf));
    } catch {
      signatureOk = false;
    }
    if (signatureOk) checks.pass('kb_signature', `${alg}, signed by the cnf key`);
    else checks.fail('vp.kb_jwt.signature', 'kb_signature', `the KB-JWT (${alg}) does not verify with the credential cnf.jwk`);
  }
  const payload = kb.payload;
  if (payload.nonce !== ctx.nonce) checks.fail('vp.kb_jwt.nonce_mismatch', 'kb_nonce', `KB-JWT nonce ${String(payload.nonce).slice(0, 60)} is not the nonce of this request`, { expected: ctx.nonce, found: payload.nonce });
  else checks.pass('kb_nonce', 'nonce of this request');
  if (payload.aud !== ctx.clientId) {
    const bare = ctx.clientId.slice(ctx.clientId.indexOf(':') + 1);
    const hint = payload.aud === bare ? ' (the client_id without its prefix: drafts up to 21 did that)' : '';
    checks.fail('vp.kb_jwt.aud_mismatch', 'kb_aud', `KB-JWT aud ${String(payload.aud).slice(0, 100)} is not the client_id${hint}`, { expected: ctx.clientId, found: payload.aud });
  } else checks.pass('kb_aud', `aud ${ctx.clientId}`);
  const now = ctx.nowMs / 1000;
  if (typeof payload.iat !== 'number' || payload.iat > now + ctx.iatSkewSeconds || payload.iat < now - ctx.iatMaxAgeSeconds) {
    checks.fail('vp.kb_jwt.iat', 'kb_iat', `KB-JWT iat ${String(payload.iat)} is outside [now - ${ctx.iatMaxAgeSeconds} s, now + ${ctx.iatSkewSeconds} s]`, { found: payload.iat });
  } else checks.pass('kb_iat', `iat ${new Date(payload.iat * 1000).toISOString()}`);
  const presented = presentation.slice(0, presentation.lastIndexOf('~') + 1);
  const hashAlg = sd.hashAlg.toLowerCase().replace('-', '');
  const expected = createHash(hashAlg).update(presented).digest('base64url');
  if (payload.sd_hash !== expected) checks.fail('vp.kb_jwt.sd_hash', 'kb_sd_hash', 'KB-JWT sd_hash does not match the presented SD-JWT', { expected, found: payload.sd_hash });
  else checks.pass('kb_sd_hash', `${sd.hashAlg} over the presented SD-JWT`);
  return signatureOk;
}

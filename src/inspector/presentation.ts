/**
 * Inspection of what a wallet presents (OpenID4VP 1.0): a vp_token (the 1.0 object, or one
 * presentation), an SD-JWT+KB, a KB-JWT on its own, an mdoc DeviceResponse. The checks are the
 * verifier's own (protocol/oid4vp/verify-*.ts), run against the expected values given
 * (client_id as `aud`, `nonce`, `response_uri`, the encryption key thumbprint), so a pasted
 * presentation gets the verdict a verification request would give. What cannot be checked
 * without a value is skipped, and status lists are not fetched: a pasted value never makes the
 * server fetch a URL.
 */
import { Decoder } from 'cbor-x';
import type { DcqlCredentialQuery } from 'dcql';
import type { DiagnosticCode } from '../core/diagnostics.js';
import { EMPTY_TRUST_LIST, type TrustList } from '../crypto/attestation-trust.js';
import { decodeJwt, looksLikeJwt } from '../formats/decode/jwt.js';
import { looksLikeSdJwt } from '../formats/decode/sd-jwt-vc.js';
import type { CheckList as PresentationCheckList, PresentationContext } from '../protocol/oid4vp/checks.js';
import { verifyMdocPresentation } from '../protocol/oid4vp/verify-mdoc.js';
import { verifySdJwtPresentation } from '../protocol/oid4vp/verify-sd-jwt.js';
import { CheckList, type ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';
import { checkAsymmetricAlg, checkTypValue } from './jwt-checks.js';

const B3 = 'OID4VP 1.0 Appendix B.3.6';
const B2 = 'OID4VP 1.0 Appendix B.2.6';
const V81 = 'OID4VP 1.0 §8.1';

/** Checks that compare with an expected value, and which value each needs. */
const NEEDS: Record<string, { value: 'nonce' | 'aud' | 'transcript'; what: string }> = {
  kb_nonce: { value: 'nonce', what: 'the nonce of the request (expected nonce)' },
  kb_aud: { value: 'aud', what: 'the client_id of the request (expected aud)' },
  device_signature: { value: 'transcript', what: 'the SessionTranscript inputs: client_id (expected aud), nonce and response_uri' },
};

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false } as ConstructorParameters<typeof Decoder>[0]);

/** base64url CBOR whose top level is a map with documents (ISO/IEC 18013-5 §8.3.2.1.2.2), not an IssuerSigned. */
export function looksLikeDeviceResponse(text: string): boolean {
  if (!/^[A-Za-z0-9_-]{20,}$/.test(text)) return false;
  try {
    const top = decoder.decode(Buffer.from(text, 'base64url')) as unknown;
    return top instanceof Map && top.has('documents');
  } catch {
    return false;
  }
}

export async function inspectVpToken(ctx: InspectContext, value: string | Record<string, unknown>) {
  const list = new CheckList('vp_token.');
  const keys: ResolvedKeyView[] = [];
  const token = readToken(value, list);
  if (!token) return { checks: list, decoded: undefined, keys };
  const decoded: Record<string, unknown[]> = {};
  for (const [id, presentations] of Object.entries(token)) {
    decoded[id] = [];
    for (const [i, p] of presentations.entries()) decoded[id].push(await inspectOne(ctx, p, `${id}[${i}].`, list));
  }
  return { checks: list, decoded, keys };
}

/** One DeviceResponse (what an mso_mdoc entry of a vp_token holds). */
export async function inspectDeviceResponse(ctx: InspectContext, value: string) {
  const list = new CheckList('device_response.');
  const decoded = await inspectOne(ctx, value.trim(), '', list, 'mso_mdoc');
  return { checks: list, decoded, keys: [] as ResolvedKeyView[] };
}

/** A KB-JWT alone: without its SD-JWT neither the signature (cnf key) nor sd_hash can be checked. */
export function inspectKbJwt(ctx: InspectContext, value: string) {
  const list = new CheckList('kb_jwt.');
  let jwt: ReturnType<typeof decodeJwt>;
  try {
    jwt = decodeJwt(value.trim());
  } catch (e) {
    list.fail('structure', 'RFC 9901 §4.3', `not a compact JWT: ${(e as Error).message}`);
    return { checks: list, decoded: undefined, keys: [] as ResolvedKeyView[] };
  }
  list.pass('structure', 'RFC 9901 §4.3', 'compact JWT');
  const { header, payload } = jwt;
  checkTypValue(list, header, 'kb+jwt', 'RFC 9901 §4.3');
  checkAsymmetricAlg(list, header, 'RFC 9901 §4.3');
  const expect = (name: 'nonce' | 'aud', check: string, code: DiagnosticCode) => {
    const want = ctx.expected[name];
    if (want === undefined) list.skip(check, B3, `no expected ${name} given; the KB-JWT says ${String(payload[name]).slice(0, 100)}`);
    else list.expect(payload[name] === want, check, B3, { pass: `${name} ${want}`, fail: `${name} ${String(payload[name]).slice(0, 100)} is not ${want}` }, { code });
  };
  expect('nonce', 'nonce', 'vp.kb_jwt.nonce_mismatch');
  expect('aud', 'aud', 'vp.kb_jwt.aud_mismatch');
  const now = ctx.nowSeconds;
  if (ctx.ignoreTime) list.skip('iat', B3, 'time checks ignored');
  else
    list.expect(
      typeof payload.iat === 'number' && payload.iat <= now + ctx.proofPolicy.iatSkewSeconds && payload.iat >= now - ctx.proofPolicy.maxAgeSeconds,
      'iat', B3,
      { pass: `iat ${new Date(Number(payload.iat) * 1000).toISOString()}`, fail: `iat ${String(payload.iat)} is outside [now - ${ctx.proofPolicy.maxAgeSeconds} s, now + ${ctx.proofPolicy.iatSkewSeconds} s]` },
      { code: 'vp.kb_jwt.iat' },
    );
  list.expect(typeof payload.sd_hash === 'string', 'sd_hash', 'RFC 9901 §4.3', { pass: 'sd_hash present (checked only with the SD-JWT it follows: paste the whole SD-JWT+KB)', fail: 'sd_hash missing' }, { code: 'vp.kb_jwt.sd_hash' });
  list.skip('signature', 'RFC 9901 §4.3', 'the KB-JWT is signed by the cnf key of its SD-JWT: paste the whole SD-JWT+KB to check it');
  return { checks: list, decoded: { header, payload }, keys: [] as ResolvedKeyView[] };
}

/** vp_token: the 1.0 object {query id: [presentations]} (or its JSON text), else one presentation. */
function readToken(value: string | Record<string, unknown>, list: CheckList): Record<string, unknown[]> | undefined {
  let parsed: unknown = value;
  if (typeof value === 'string' && /^\s*[[{]/.test(value)) {
    try {
      parsed = JSON.parse(value);
    } catch (e) {
      list.fail('structure', V81, `not JSON: ${(e as Error).message}`, { code: 'vp.vp_token.malformed' });
      return undefined;
    }
  }
  if (typeof parsed === 'string') {
    list.pass('structure', V81, 'one presentation (the 1.0 vp_token wraps it: {"<query id>": ["…"]})');
    return { presentation: [parsed.trim()] };
  }
  if (Array.isArray(parsed)) {
    list.warn('structure', V81, 'a JSON array of presentations: the Presentation Exchange vp_token of drafts up to 25', { code: 'draft.vp.response_shape' });
    return { presentation: parsed };
  }
  if (!parsed || typeof parsed !== 'object' || Object.keys(parsed).length === 0) {
    list.fail('structure', V81, 'vp_token is not an object keyed by credential query id', { code: 'vp.vp_token.malformed' });
    return undefined;
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  const single = entries.filter(([, v]) => !Array.isArray(v)).map(([k]) => k);
  if (single.length) list.warn('structure', V81, `values of ${single.join(', ')} are single presentations, not arrays: the shape of drafts 22 to 24`, { code: 'draft.vp.response_shape' });
  else list.pass('structure', V81, `object with ${entries.length} credential query id(s), each an array`);
  return Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
}

async function inspectOne(ctx: InspectContext, presentation: unknown, prefix: string, list: CheckList, format?: 'dc+sd-jwt' | 'mso_mdoc'): Promise<Record<string, unknown>> {
  const text = typeof presentation === 'string' ? presentation.trim() : presentation;
  const isSdJwt = format ? format === 'dc+sd-jwt' : typeof text === 'string' && looksLikeSdJwt(text);
  const query = { id: 'inspected', format: isSdJwt ? 'dc+sd-jwt' : 'mso_mdoc', meta: {}, require_cryptographic_holder_binding: true, multiple: false } as unknown as DcqlCredentialQuery;
  const pctx = presentationContext(ctx);
  const verified = isSdJwt ? await verifySdJwtPresentation(text, query, pctx, prefix) : await verifyMdocPresentation(text, query, pctx, prefix);
  addChecks(ctx, list, verified.checks, prefix, isSdJwt ? B3 : B2);
  const kb = isSdJwt && typeof text === 'string' && looksLikeJwt(text.slice(text.lastIndexOf('~') + 1)) ? decodeJwt(text.slice(text.lastIndexOf('~') + 1)) : undefined;
  return {
    format: isSdJwt ? 'dc+sd-jwt' : 'mso_mdoc',
    issuer: verified.issuer,
    trusted: verified.trusted,
    disclosed: verified.credential ? (verified.credential.credential_format === 'dc+sd-jwt' ? verified.credential.claims : verified.credential.namespaces) : null,
    ...(kb ? { kb_jwt: { header: kb.header, payload: kb.payload } } : {}),
  };
}

function presentationContext(ctx: InspectContext): PresentationContext {
  const thumbprint = ctx.expected.jwk_thumbprint;
  return {
    nonce: ctx.expected.nonce ?? '',
    clientId: ctx.expected.aud ?? '',
    responseUri: ctx.expected.response_uri ?? '',
    encryptionJwkThumbprint: thumbprint ? new Uint8Array(Buffer.from(thumbprint, 'base64url')) : null,
    nowMs: ctx.nowSeconds * 1000,
    trust: ctx.verifierTrust ?? EMPTY_TRUST_LIST,
    strict: false,
    iatMaxAgeSeconds: ctx.proofPolicy.maxAgeSeconds,
    iatSkewSeconds: ctx.proofPolicy.iatSkewSeconds,
    fetch: null,
  };
}

/** The verifier's checks as inspector checks: catalogue spec refs, and skips where a value was not given. */
function addChecks(ctx: InspectContext, list: CheckList, checks: PresentationCheckList, prefix: string, specRef: string): void {
  const diagnostics = [...checks.diagnostics];
  const given = { nonce: ctx.expected.nonce !== undefined, aud: ctx.expected.aud !== undefined, transcript: ctx.expected.aud !== undefined && ctx.expected.nonce !== undefined && ctx.expected.response_uri !== undefined };
  for (const c of checks.checks) {
    const d = c.code ? diagnostics.shift() : undefined;
    const need = NEEDS[c.check];
    if (need && !given[need.value] && c.status === 'fail') {
      list.skip(`${prefix}${c.check}`, specRef, `not checked: give ${need.what}`);
      continue;
    }
    if (ctx.ignoreTime && (c.check === 'validity' || c.check === 'kb_iat')) {
      list.skip(`${prefix}${c.check}`, specRef, 'time checks ignored');
      continue;
    }
    if (d) list.fromDiagnostic(`${prefix}${c.check}`, d, c.status);
    else list[c.status](`${prefix}${c.check}`, specRef, c.detail);
  }
}

/**
 * The response_uri (OpenID4VP 1.0 §8.2): read the response, accept it once (single use, before
 * expiry), verify every presentation against the stored request, judge the whole vp_token
 * against the DCQL query, and record the result on the verification session. Answers 200 with a
 * redirect_uri carrying a fresh response code (§8.2, §13.3) once a response was judged.
 */
import { diagnose, fail, type Diagnostic } from '../../core/diagnostics.js';
import { hashSecret, randomToken } from '../../core/ids.js';
import type { PresentationRequestRecord, PresentationResult, VerifiedCredentialView } from '../../store/verification-records.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import { CheckList, type PresentationContext } from './checks.js';
import { judgeDcqlPresentation, parseDcqlQuery, unrequestedClaimPaths, type DcqlVerifiedCredential, type ParsedDcqlQuery } from './dcql.js';
import { jwkThumbprintBytes } from './mdoc-handover.js';
import { readAuthorizationResponse, readVpToken, type ResponseHttpRequest } from './read-response.js';
import { verifyMdocPresentation } from './verify-mdoc.js';
import { verifySdJwtPresentation, type VerifiedPresentation } from './verify-sd-jwt.js';

type Deps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'verifier'>;

export async function handlePresentationResponse(deps: Deps, urls: IssuerUrls, http: ResponseHttpRequest, rec: Recorder): Promise<ProtocolResponse> {
  const { request, params, encrypted } = await readAuthorizationResponse(deps, http, (id) => rec.bindSession(id), (fault) => rec.event('fault_injected', { fault }));
  const now = deps.clock.nowMs();
  if (request.answeredAt !== null) fail('vp.response.replayed', `the request was already answered at ${new Date(request.answeredAt).toISOString()}`);
  if (now >= request.expiresAt) {
    rec.event('session_expired', { reason: 'response posted after the request expired' });
    fail('vp.response.expired', `the request expired at ${new Date(request.expiresAt).toISOString()}`);
  }
  const query = parseDcqlQuery(request.dcqlQuery);
  if (!query.ok) throw new TypeError(`stored DCQL query of ${request.sessionId} does not parse: ${query.problems.join('; ')}`);
  const ids = query.query.credentials.map((c) => c.id);
  const isError = params.error !== undefined && params.vp_token === undefined;
  const vp = isError ? null : readVpToken(params.vp_token, ids, params, request.options.strict);

  const responses = (await deps.store.presentations.recordResponse(request.sessionId)) ?? request.responses + 1;
  if (request.options.faults.rejectFirstResponse && responses === 1) {
    rec.event('fault_injected', { fault: 'reject_first_response' });
    fail('fault.vp.reject_first_response', 'the first response to this request is refused on purpose (reject_first_response); post it again');
  }
  const responseCode = randomToken(32);
  if (!(await deps.store.presentations.answer(request.sessionId, hashSecret(responseCode), now))) {
    const current = await deps.store.presentations.get(request.sessionId);
    if (current?.answeredAt != null) fail('vp.response.replayed', 'a concurrent response to this request was accepted first');
    fail('vp.response.expired', 'the request expired while the response arrived');
  }
  rec.event('response_received', { encrypted: encrypted !== null, ...(encrypted ? { alg: encrypted.alg, enc: encrypted.enc } : {}), error: isError ? String(params.error) : undefined, credential_queries: vp ? Object.keys(vp.token) : [] });

  let result: PresentationResult;
  if (isError) {
    const walletError = { error: String(params.error), ...(typeof params.error_description === 'string' ? { error_description: params.error_description.slice(0, 300) } : {}) };
    rec.diagnostic(diagnoseWalletError(walletError));
    result = { verified: false, credentials: [], wallet_error: walletError, judged_at: new Date(now).toISOString() };
  } else {
    if (vp!.draft) rec.diagnostic(vp!.draft);
    result = await judgePresentations(deps, request, query.query, vp!.token, rec);
  }
  await deps.store.presentations.saveResult(request.sessionId, result);
  if (result.verified) rec.event('presentation_verified', { credentials: result.credentials.map((c) => ({ credential_query_id: c.credential_query_id, format: c.format, status: c.status })) });
  else rec.event('presentation_failed', { wallet_error: result.wallet_error?.error, failed_checks: result.credentials.flatMap((c) => c.checks.filter((k) => k.status === 'fail').map((k) => k.code)) });
  // §8.2: redirect_uri with a fresh, single-purpose value; the result page shows the outcome (same-device flows).
  return { status: 200, headers: { 'cache-control': 'no-store' }, body: { redirect_uri: `${urls.endpoint('vp_result')}?response_code=${responseCode}` } };
}

function diagnoseWalletError(e: { error: string; error_description?: string }): Diagnostic {
  return diagnose('vp.response.wallet_error', `the wallet answered with error ${e.error.slice(0, 60)}${e.error_description ? `: ${e.error_description}` : ''}`, { path: 'body.error', found: e });
}

async function judgePresentations(deps: Deps, request: PresentationRequestRecord, query: ParsedDcqlQuery, token: Record<string, unknown[]>, rec: Recorder): Promise<PresentationResult> {
  const ctx: PresentationContext = {
    nonce: request.nonce,
    clientId: request.clientId,
    responseUri: request.options.responseUri,
    encryptionJwkThumbprint: request.encryptionKey ? jwkThumbprintBytes(request.encryptionKey) : null,
    nowMs: deps.clock.nowMs(),
    trust: deps.verifier.trust,
    strict: request.options.strict,
    iatMaxAgeSeconds: deps.config.proof.maxAgeSeconds,
    iatSkewSeconds: deps.config.proof.iatSkewSeconds,
    fetch: deps.verifier.fetch,
  };
  const tokenChecks = new CheckList('body.vp_token');
  const verified: { id: string; v: VerifiedPresentation }[] = [];
  for (const [id, presentations] of Object.entries(token)) {
    const cq = query.credentials.find((c) => c.id === id);
    if (!cq) {
      tokenChecks.fail('vp.vp_token.unexpected_query', 'credential_query_ids', `vp_token key ${id.slice(0, 60)} is not a credential query id of the request (${query.credentials.map((c) => c.id).join(', ')})`);
      continue;
    }
    if (presentations.length > 1 && !cq.multiple) tokenChecks.fail('vp.vp_token.unexpected_query', 'multiple', `${presentations.length} presentations for ${id}, whose query does not allow multiple`);
    for (const [i, p] of presentations.entries()) {
      const where = `vp_token.${id}[${i}]`;
      const v = cq.format === 'mso_mdoc' ? await verifyMdocPresentation(p, cq, ctx, where) : await verifySdJwtPresentation(p, cq, ctx, where);
      if (v.credential) {
        const extra = unrequestedClaimPaths(query, id, v.disclosedPaths);
        if (extra.length) v.checks.judge(ctx.strict, { warning: 'vp.claims.not_requested', refused: 'vp.claims.not_requested_refused' }, 'data_minimisation', `disclosed but not requested: ${extra.map((e) => e.join('.')).join(', ').slice(0, 300)}`, { found: extra });
        else v.checks.pass('data_minimisation', 'only requested claims were disclosed');
      }
      verified.push({ id, v });
    }
  }
  const passed: Record<string, DcqlVerifiedCredential[]> = {};
  for (const { id, v } of verified) if (v.credential && !v.checks.failed) (passed[id] ??= []).push(v.credential);
  const judgement = judgeDcqlPresentation(query, passed);
  if (!judgement.satisfied) tokenChecks.fail('vp.dcql.unsatisfied', 'dcql', `the verified presentations do not satisfy the query: ${judgement.missing.join('; ').slice(0, 400) || 'nothing usable was presented'}`);
  else tokenChecks.pass('dcql', 'the verified presentations satisfy the DCQL query');

  const diagnostics = [...tokenChecks.diagnostics, ...verified.flatMap(({ v }) => v.checks.diagnostics)];
  for (const d of diagnostics) rec.diagnostic(d);
  const credentials: VerifiedCredentialView[] = verified.map(({ id, v }) => ({
    credential_query_id: id,
    format: v.credential?.credential_format ?? query.credentials.find((c) => c.id === id)?.format ?? 'unknown',
    issuer: v.issuer,
    claims: !v.checks.failed ? judgement.requestedClaims[id] ?? {} : {},
    status: v.status,
    trusted: v.trusted,
    verified: !v.checks.failed,
    checks: v.checks.checks,
  }));
  const ok = judgement.satisfied && !tokenChecks.failed && verified.every(({ v }) => !v.checks.failed);
  rec.log(ok ? 'info' : 'error', ok ? 'Presentation verified' : 'Presentation failed', {
    verified: ok,
    checks: { vp_token: tokenChecks.checks, ...Object.fromEntries(verified.map(({ id, v }, i) => [`${id}[${i}]`, v.checks.checks])) },
    disclosed_claims: Object.fromEntries(credentials.map((c) => [c.credential_query_id, c.claims])),
  });
  return { verified: ok, credentials, judged_at: new Date(ctx.nowMs).toISOString() };
}

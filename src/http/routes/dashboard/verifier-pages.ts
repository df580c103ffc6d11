import type { FastifyInstance, FastifyRequest } from 'fastify';
import QRCode from 'qrcode';
import { z } from 'zod';
import { parseJsonLimited } from '../../../core/input-limits.js';
import { hashSecret, newId } from '../../../core/ids.js';
import { errorPage } from '../../../dashboard/pages/simple.js';
import { presentationCreatedPage, presentationFormPage, type PresentationFormValues, type PresetView } from '../../../dashboard/pages/verification.js';
import { AdminRequestError } from '../../../protocol/admin-error.js';
import { createPresentationRequest } from '../../../protocol/oid4vp/create-request.js';
import { configurationsAnswering, parseDcqlQuery } from '../../../protocol/oid4vp/dcql.js';
import { createOffer } from '../../../protocol/oid4vci/offer.js';
import { zCreateOfferRequest } from '../../../schemas/admin.js';
import { zCreatePresentationRequest, type CreatePresentationRequest } from '../../../schemas/verifier.js';
import { RequestRecorder } from '../../../session-log/request-recorder.js';
import type { PresentationRequestRecord } from '../../../store/verification-records.js';
import { runReferenceWalletPresentation } from '../../../wallet/run-child.js';
import { urlsFor } from '../../urls.js';
import { field, sendPage, type DashboardContext, type DashboardDeps, type FormBody } from './context.js';
import { note } from './reference-wallet.js';

/**
 * The verifier in the dashboard: a presentation request from a preset or a typed DCQL query
 * (posted to the same createPresentationRequest as the admin API), its QR code, and "present
 * with the reference wallet", which has this issuer issue the wallet matching credentials and
 * then presents them to the request, as a child process like the issuance run.
 */

const TIMEOUT_MS = 150_000;
const MAX_RUNNING = 3;

export async function verifierPages(app: FastifyInstance, deps: DashboardDeps, dash: DashboardContext): Promise<void> {
  const presets: PresetView[] = deps.verifier.presets.map((p) => ({ id: p.id, name: p.name, description: p.description, format: p.format, dcql_query: p.dcql_query }));
  const form = (request: FastifyRequest, values: PresentationFormValues, error?: { text: string; problems: string[] }) => presentationFormPage(dash.page(request), { presets, values, error });
  const running = new Set<AbortController>();
  app.addHook('onClose', async () => {
    for (const c of running) c.abort();
  });

  /**
   * Issues the reference wallet what answers the request's query, then has it present to the
   * request (child processes); the outcome is a log entry of the verification session.
   */
  const present = async (request: FastifyRequest, sessionId: string, record: PresentationRequestRecord, requestUrl: string): Promise<{ status: number; text: string } | null> => {
    if (running.size >= MAX_RUNNING) return { status: 429, text: `${running.size} reference wallet runs are in progress; try again when one has finished.` };
    const query = parseDcqlQuery(record.dcqlQuery);
    if (!query.ok) throw new TypeError(`stored DCQL query of ${sessionId} does not parse`);
    const { answered, unanswered } = configurationsAnswering(query.query, deps.configurations.ids.map((id) => deps.configurations.byId.get(id)!));
    if (answered.length === 0) {
      return { status: 400, text: `This issuer has no credential configuration that answers the query (${unanswered.join(', ')}): the reference wallet would hold nothing to present.` };
    }
    const rec = new RequestRecorder(deps.clock, newId('req'), 'reference_wallet');
    const offer = await createOffer(deps, urlsFor(deps.config, request), zCreateOfferRequest.parse({ credential_configuration_ids: answered, grants: { pre_authorized_code: true }, by_reference: true }), rec);
    rec.log('info', `Issued to the reference wallet, which then presents to verification session ${sessionId} (dashboard)`, { verification_session_id: sessionId });
    await rec.flush(deps.store);
    await note(deps, sessionId, rec.requestId, 'info', `Reference wallet run started: issuance session ${offer.session_id} gives it ${answered.join(', ')}, then it presents here`, {
      issuance_session_id: offer.session_id,
      credential_configuration_ids: answered,
      ...(unanswered.length ? { unanswered_credential_queries: unanswered } : {}),
    });
    const abort = new AbortController();
    running.add(abort);
    const insecure = urlsFor(deps.config, request).issuer.startsWith('http:');
    void runReferenceWalletPresentation({ offerUrl: offer.offer_url, requestUrl, insecure, timeoutMs: TIMEOUT_MS, signal: abort.signal })
      .then(({ issuance, presentation }) => {
        if (abort.signal.aborted) return;
        const failed = !issuance.ok ? issuance : presentation && !presentation.ok ? presentation : null;
        const presented = (presentation?.summary?.presented as { credential_query_id: string; format: string; disclosed: string[] }[] | undefined) ?? [];
        return note(deps, sessionId, rec.requestId, failed ? 'error' : 'info', failed ? `Reference wallet failed ${issuance.ok ? 'to present' : 'to get its credentials'}: ${failed.error ?? 'no result'}` : `Reference wallet presented ${presented.length} credential(s)`, {
          ok: !failed,
          ...(failed?.error ? { error: failed.error } : {}),
          timed_out: failed?.timedOut ?? false,
          presented: presented.map((p) => ({ credential_query_id: p.credential_query_id, format: p.format, disclosed: p.disclosed })),
        });
      })
      .catch(() => undefined)
      .finally(() => running.delete(abort));
    return null;
  };

  app.get('/ui/presentations/new', async (request, reply) => {
    const first = presets[0];
    return sendPage(
      reply,
      form(request, {
        source: 'preset',
        preset: first?.id ?? '',
        dcql_query: JSON.stringify(first?.dcql_query ?? { credentials: [] }, null, 2),
        response_mode: 'direct_post.jwt',
        client_id_prefix: 'x509_san_dns',
        request_uri_method: 'get',
        draft_request: '',
        strict: deps.config.verifier.mode === 'strict',
        expires_in: '',
        unsigned_request: false,
        reject_first_response: false,
        single_fetch: false,
        require_encrypted_response: false,
      }),
    );
  });

  app.post('/ui/presentations', async (request, reply) => {
    const values = readForm((request.body ?? {}) as FormBody);
    let input: CreatePresentationRequest;
    try {
      input = zCreatePresentationRequest.parse(toRequest(values));
    } catch (e) {
      const problems = e instanceof z.ZodError ? e.issues.map((i) => `${i.path.join('.') || '(form)'}: ${i.message}`) : [(e as Error).message];
      return sendPage(reply, form(request, values, { text: 'The request cannot be created', problems }), 400);
    }
    const rec = new RequestRecorder(deps.clock, newId('req'), 'presentation_requests');
    try {
      const created = await createPresentationRequest(deps, urlsFor(deps.config, request), input, rec);
      await rec.flush(deps.store);
      const qrSvg = await QRCode.toString(created.request_url, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
      return sendPage(reply, presentationCreatedPage(dash.page(request), { ...created, qrSvg }), 201);
    } catch (e) {
      if (!(e instanceof AdminRequestError)) throw e;
      return sendPage(reply, form(request, values, { text: e.message, problems: e.problems }), e.status);
    }
  });

  app.post('/ui/sessions/:id/present', async (request, reply) => {
    const sessionId = (request.params as { id: string }).id;
    const record = await deps.store.presentations.get(sessionId);
    if (!record) return sendPage(reply, errorPage(dash.page(request), 404, 'No such verification session'), 404);
    const requestUrl = field((request.body ?? {}) as FormBody, 'request_url') ?? '';
    // The wallet is sent only to this session's own request: the link must carry its request_uri (or state).
    if (!isRequestOf(requestUrl, record, urlsFor(deps.config, request).endpoint('vp_request'))) {
      return sendPage(reply, errorPage(dash.page(request), 400, 'That is not the request link of this session.'), 400);
    }
    const refused = await present(request, sessionId, record, requestUrl);
    if (refused) return sendPage(reply, errorPage(dash.page(request), refused.status, refused.text), refused.status);
    return reply.redirect(`${dash.base}/ui/sessions/${sessionId}`, 303);
  });

  // The session page's button: the request link is shown once, so the wallet presents to a twin
  // request (same query and options; fault switches only when asked), a session of its own.
  app.post('/ui/sessions/:id/present-twin', async (request, reply) => {
    const original = await deps.store.presentations.get((request.params as { id: string }).id);
    if (!original) return sendPage(reply, errorPage(dash.page(request), 404, 'No such verification session'), 404);
    const keepFaults = field((request.body ?? {}) as FormBody, 'keep_faults') === 'on';
    const rec = new RequestRecorder(deps.clock, newId('req'), 'reference_wallet');
    let twin: Awaited<ReturnType<typeof createPresentationRequest>>;
    try {
      twin = await createPresentationRequest(deps, urlsFor(deps.config, request), twinPresentationRequest(original, keepFaults), rec);
    } catch (e) {
      if (!(e instanceof AdminRequestError)) throw e;
      return sendPage(reply, errorPage(dash.page(request), e.status, `${e.message}: ${e.problems.join('; ')}`), e.status);
    }
    rec.log('info', `Twin of verification session ${original.sessionId}, presented to by the reference wallet (dashboard)`, { original_session_id: original.sessionId, fault_switches_copied: keepFaults });
    await rec.flush(deps.store);
    await note(deps, original.sessionId, rec.requestId, 'info', `Reference wallet run started on a twin of this request: session ${twin.session_id}`, { twin_session_id: twin.session_id });
    const record = (await deps.store.presentations.get(twin.session_id))!;
    const refused = await present(request, twin.session_id, record, twin.request_url);
    if (refused) return sendPage(reply, errorPage(dash.page(request), refused.status, refused.text), refused.status);
    return reply.redirect(`${dash.base}/ui/sessions/${twin.session_id}`, 303);
  });
}

/** The admin request of a twin: the same query and options, the fault switches only when asked for. */
export function twinPresentationRequest(r: PresentationRequestRecord, keepFaults: boolean): CreatePresentationRequest {
  const f = r.options.faults;
  return {
    ...(r.options.preset ? { preset: r.options.preset } : { dcql_query: r.dcqlQuery }),
    response_mode: r.options.responseMode,
    client_id_prefix: r.options.clientIdPrefix,
    strict: r.options.strict,
    ...(r.options.draftRequest ? { draft_request: r.options.draftRequest } : {}),
    ...(keepFaults
      ? {
          faults: {
            ...(f.unsignedRequest ? { unsigned_request: true } : {}),
            ...(f.rejectFirstResponse ? { reject_first_response: true } : {}),
            ...(f.singleFetch ? { single_fetch: true } : {}),
            ...(f.requireEncryptedResponse ? { require_encrypted_response: true } : {}),
          },
        }
      : {}),
  };
}

function isRequestOf(requestUrl: string, record: PresentationRequestRecord, requestEndpoint: string): boolean {
  let params: URLSearchParams;
  try {
    const url = new URL(requestUrl);
    if (url.protocol !== 'openid4vp:') return false;
    params = url.searchParams;
  } catch {
    return false;
  }
  const requestUri = params.get('request_uri');
  if (requestUri !== null) return requestUri.startsWith(`${requestEndpoint}/`) && hashSecret(requestUri.slice(requestEndpoint.length + 1)) === record.requestTokenHash;
  const state = params.get('state');
  return state !== null && hashSecret(state) === record.stateHash;
}

function readForm(body: FormBody): PresentationFormValues {
  const on = (name: string) => field(body, name) === 'on';
  const pick = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const v = field(body, name);
    return allowed.includes(v as T) ? (v as T) : fallback;
  };
  return {
    source: pick('source', ['preset', 'dcql'] as const, 'preset'),
    preset: field(body, 'preset') ?? '',
    dcql_query: field(body, 'dcql_query') ?? '',
    response_mode: pick('response_mode', ['direct_post.jwt', 'direct_post'] as const, 'direct_post.jwt'),
    client_id_prefix: pick('client_id_prefix', ['x509_san_dns', 'x509_hash', 'redirect_uri'] as const, 'x509_san_dns'),
    request_uri_method: pick('request_uri_method', ['get', 'post'] as const, 'get'),
    draft_request: pick('draft_request', ['', 'presentation_definition', 'client_id_scheme'] as const, ''),
    strict: on('strict'),
    expires_in: field(body, 'expires_in') ?? '',
    unsigned_request: on('unsigned_request'),
    reject_first_response: on('reject_first_response'),
    single_fetch: on('single_fetch'),
    require_encrypted_response: on('require_encrypted_response'),
  };
}

function toRequest(v: PresentationFormValues): Record<string, unknown> {
  let dcql: unknown;
  if (v.source === 'dcql') {
    try {
      dcql = parseJsonLimited(v.dcql_query);
    } catch (e) {
      throw new Error(`dcql_query: not valid JSON: ${(e as Error).message}`);
    }
  }
  const faults = { ...(v.unsigned_request ? { unsigned_request: true } : {}), ...(v.reject_first_response ? { reject_first_response: true } : {}), ...(v.single_fetch ? { single_fetch: true } : {}), ...(v.require_encrypted_response ? { require_encrypted_response: true } : {}) };
  return {
    ...(v.source === 'preset' ? { preset: v.preset } : { dcql_query: dcql }),
    response_mode: v.response_mode,
    client_id_prefix: v.client_id_prefix,
    ...(v.request_uri_method === 'post' ? { request_uri_method: 'post' } : {}),
    ...(v.draft_request ? { draft_request: v.draft_request } : {}),
    strict: v.strict,
    ...(v.expires_in ? { expires_in: Number(v.expires_in) } : {}),
    ...(Object.keys(faults).length ? { faults } : {}),
  };
}

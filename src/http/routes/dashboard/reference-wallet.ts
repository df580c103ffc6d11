import type { FastifyInstance, FastifyRequest } from 'fastify';
import { newId } from '../../../core/ids.js';
import { errorPage } from '../../../dashboard/pages/simple.js';
import { createOffer } from '../../../protocol/oid4vci/offer.js';
import type { CreateOfferRequest } from '../../../schemas/admin.js';
import { RequestRecorder } from '../../../session-log/request-recorder.js';
import type { LogLevel, SessionRecord } from '../../../store/store.js';
import { runReferenceWallet, type ReferenceRunResult } from '../../../wallet/run-child.js';
import { urlsFor } from '../../urls.js';
import { field, sendPage, type DashboardContext, type DashboardDeps, type FormBody } from './context.js';

/**
 * "Run the reference wallet on this offer": the reference wallet (src/wallet/, as a
 * child process) redeems a twin of the session's offer, so a user can put a known-good session
 * next to their wallet's. The twin has the same configurations, claims, tx_code, deferred and
 * strict settings; the fault switches only when asked for (a known-good baseline is the
 * point). Authorization code offers get a pre-authorized twin: the consent page needs a person.
 */

const TIMEOUT_MS = 150_000;
const MAX_RUNNING = 3;

export async function referenceWalletRoutes(app: FastifyInstance, deps: DashboardDeps, dash: DashboardContext): Promise<void> {
  // Per app (a tenant's app closes on its own): the runs this issuer started.
  const running = new Set<AbortController>();
  // A run outliving the app would write into a closed store.
  app.addHook('onClose', async () => {
    for (const c of running) c.abort();
  });

  app.post('/ui/sessions/:id/reference-wallet', async (request, reply) => {
    const original = await deps.store.sessions.get((request.params as { id: string }).id);
    if (!original) return sendPage(reply, errorPage(dash.page(request), 404, 'No such session'), 404);
    if (running.size >= MAX_RUNNING) return sendPage(reply, errorPage(dash.page(request), 429, `${running.size} reference wallet runs are in progress; try again when one has finished.`), 429);
    const keepFaults = field((request.body ?? {}) as FormBody, 'keep_faults') === 'on';
    const rec = new RequestRecorder(deps.clock, newId('req'), 'reference_wallet');
    const created = await createOffer(deps, urlsFor(deps.config, request), twinOfferRequest(original, keepFaults), rec);
    rec.log('info', `Twin of session ${original.id}, redeemed by the reference wallet (dashboard)`, {
      original_session_id: original.id,
      fault_switches_copied: keepFaults,
      grant: 'pre-authorized_code',
    });
    await rec.flush(deps.store);
    await note(deps, original.id, rec.requestId, 'info', `Reference wallet run started on a twin of this offer: session ${created.session_id}`, { twin_session_id: created.session_id });
    startRun(deps, request, running, created.session_id, rec.requestId, { offerUrl: created.offer_url, txCode: created.tx_code });
    return reply.redirect(`${dash.base}/ui/sessions/${created.session_id}`, 303);
  });
}

function startRun(deps: DashboardDeps, request: FastifyRequest, running: Set<AbortController>, sessionId: string, requestId: string, offer: { offerUrl: string; txCode?: string }): void {
  const abort = new AbortController();
  running.add(abort);
  const insecure = urlsFor(deps.config, request).issuer.startsWith('http:');
  void runReferenceWallet({ ...offer, insecure, timeoutMs: TIMEOUT_MS, signal: abort.signal })
    .then((result) => (abort.signal.aborted ? undefined : note(deps, sessionId, requestId, result.ok ? 'info' : 'error', describe(result), outcome(result))))
    .catch(() => undefined)
    .finally(() => running.delete(abort));
}

/** The twin's admin request: the session's offer again, pre-authorized, fault switches on request. */
export function twinOfferRequest(s: SessionRecord, keepFaults: boolean): CreateOfferRequest {
  const o = s.options;
  return {
    credential_configuration_ids: s.credentialConfigurationIds,
    grants: { pre_authorized_code: o.txCode ? { tx_code: { ...o.txCode } } : true },
    ...(Object.keys(o.claims).length ? { claims: o.claims } : {}),
    ...(o.deferred ? { deferred: true } : {}),
    ...(o.strict ? { strict: true } : {}),
    by_reference: true,
    ...(keepFaults
      ? {
          ...(o.requireDpop ? { require_dpop: true } : {}),
          ...(o.requireDpopNonce ? { require_dpop_nonce: true } : {}),
          ...(o.rejectFirstNonce ? { reject_first_nonce: true } : {}),
          ...(o.txCodeFailure && o.txCode ? { tx_code_failure: o.txCodeFailure } : {}),
          ...(o.singleFetch ? { single_fetch: true } : {}),
          ...(o.requireEncryption ? { require_encryption: true } : {}),
          ...(o.requireWalletAttestation ? { require_wallet_attestation: true } : {}),
          ...(o.requireKeyAttestation ? { require_key_attestation: true } : {}),
          ...(o.expiresInSeconds !== undefined ? { expires_in: o.expiresInSeconds } : {}),
        }
      : {}),
  };
}

function describe(r: ReferenceRunResult): string {
  if (!r.ok) return `Reference wallet failed: ${r.error ?? 'no result'}`;
  const credentials = (r.summary?.credentials as unknown[] | undefined)?.length ?? 0;
  return `Reference wallet completed issuance: ${credentials} credential(s) received and decoded`;
}

/** What the session log keeps of the run: no stored-file paths, no decoded claims. */
function outcome(r: ReferenceRunResult): Record<string, unknown> {
  const s = r.summary ?? {};
  const credentials = Array.isArray(s.credentials) ? (s.credentials as Record<string, any>[]) : [];
  return {
    ok: r.ok,
    ...(r.error ? { error: r.error } : {}),
    exit_code: r.exitCode,
    timed_out: r.timedOut,
    detected_version: s.detected_version,
    grant_type: s.grant_type,
    token_type: s.token_type,
    dpop: s.dpop,
    credentials: credentials.map((c) => ({
      credential_configuration_id: c.credential_configuration_id,
      format: c.format,
      bound_to_wallet_key: c.view?.bound_to_wallet_key,
      problems: c.view?.problems,
    })),
    steps: Array.isArray(s.steps) ? (s.steps as { title: string }[]).map((step) => step.title) : [],
  };
}

/** A line in a session's log from the dashboard (no HTTP request of its own to record it). */
export async function note(deps: Pick<DashboardDeps, 'store' | 'clock'>, sessionId: string, requestId: string, level: LogLevel, message: string, data: Record<string, unknown>): Promise<void> {
  // Through a recorder like every entry: it removes private keys the run's outcome may quote.
  const rec = new RequestRecorder(deps.clock, requestId, 'reference_wallet');
  rec.bindSession(sessionId);
  rec.log(level, message, data);
  await rec.flush(deps.store);
}

import { inspect } from '../../../inspector/inspect.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { artefactsOf, type ArtefactChecks } from '../../../dashboard/artefacts.js';
import { isRequestEntry } from '../../../session-log/har.js';
import type { LogEntry } from '../../../store/store.js';
import { urlsFor } from '../../urls.js';
import { inspectContext } from '../admin/inspect.js';

/** Requests re-read per page: the newest, since each costs signature checks. */
const MAX_REQUESTS = 40;

/**
 * The checks each request passed, not only the one that failed: the inspector re-reads the
 * artefacts the request carried (as logged) as at the time of the request, against this issuer's
 * keys, policy and identifier. A credential request is read whole (its proofs with it).
 */
export async function checksOfRequests(
  deps: Pick<IssuerDeps, 'config' | 'configurations' | 'keys' | 'verifier'>,
  logs: readonly LogEntry[],
): Promise<Map<string, ArtefactChecks[]>> {
  const issuer = urlsFor(deps.config).issuer;
  const origin = new URL(issuer).origin;
  const requests = logs.filter((l) => isRequestEntry(l) && l.requestId).sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, MAX_REQUESTS);
  const out = new Map<string, ArtefactChecks[]>();
  await Promise.all(
    requests.map(async (r) => {
      let artefacts = artefactsOf(r.endpoint, r.data);
      if (artefacts.some((a) => a.kind === 'credential_request')) artefacts = artefacts.filter((a) => a.kind !== 'proof' && a.kind !== 'key_attestation');
      const results: ArtefactChecks[] = [];
      for (const a of artefacts) {
        const d = r.data ?? {};
        const expected = a.kind === 'dpop' ? { htm: String(d.method), htu: `${origin}${String(d.path)}` } : { aud: issuer };
        const ctx = inspectContext(deps, { nowSeconds: Math.floor(r.timestamp / 1000), ignoreTime: false, expected });
        try {
          const result = await inspect(ctx, { kind: a.kind, value: a.value });
          results.push({ label: a.label, kind: a.kind, verdict: result.verdict, checks: result.checks });
        } catch (e) {
          results.push({ label: a.label, kind: a.kind, verdict: 'invalid', checks: [{ check: 'inspect', status: 'fail', spec_ref: 'n/a', detail: `could not be read: ${(e as Error).message}` }] });
        }
      }
      if (results.length) out.set(r.requestId!, results);
    }),
  );
  return out;
}

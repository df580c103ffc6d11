/**
 * Records the self-check of issued credentials on their session: a log entry (the summary and
 * every check that did not pass) and the full check list on each issued-credential record.
 *
 * Measured at 1.0–1.5 ms per credential (twice the issuance itself), so it is kept off the
 * credential response: it starts once the request's own writes are committed (the rows it
 * updates exist then) and after the reply has gone out, and lands in the next group commit.
 * Graceful shutdown waits for it; a crash in that window leaves the record without a
 * self-check, which the session page shows as "not recorded".
 */
import { RequestRecorder } from '../session-log/request-recorder.js';
import type { CredentialSelfCheck, LogLevel } from '../store/store.js';
import type { IssuedForSelfCheck, IssuerDeps, Recorder, SelfCheck } from '../protocol/deps.js';
import { runSelfCheck } from './self-check-pool.js';

type SelfCheckDeps = Pick<IssuerDeps, 'store' | 'clock' | 'keys'>;

/** The SelfCheck the protocol is given: each batch runs once the request's writes committed. */
export function selfCheckAfterReply(deps: SelfCheckDeps): SelfCheck {
  return {
    schedule(rec: Recorder, endpoint: string, items: IssuedForSelfCheck[]): void {
      if (items.length === 0) return;
      rec.afterFlush(() => recordSelfCheck(deps, rec.requestId, endpoint, items));
    },
  };
}

/** Runs the checks and writes the outcome (exported for tests that want it without waiting). */
export async function recordSelfCheck(deps: SelfCheckDeps, requestId: string, endpoint: string, items: IssuedForSelfCheck[]): Promise<void> {
  const results = await Promise.all(items.map(async (item) => ({ item, result: await checkOne(deps, item) })));
  const worst = results.some((r) => r.result.status === 'fail') ? 'fail' : results.some((r) => r.result.status === 'warn') ? 'warn' : 'pass';
  const level: LogLevel = worst === 'fail' ? 'error' : worst === 'warn' ? 'warning' : 'info';
  // Written like any request's effects: the recorder redacts the entry.
  const rec = new RequestRecorder(deps.clock, requestId, endpoint);
  rec.bindSession(items[0].record.sessionId);
  rec.log(
    level,
    worst === 'pass'
      ? `Self-check passed for ${items.length} issued credential(s)`
      : `Self-check ${worst === 'fail' ? 'FAILED' : 'has warnings'} for issued credential(s): ${results.filter((r) => r.result.status !== 'pass').map((r) => r.item.configuration.id).join(', ')}`,
    {
      self_check: results.map(({ item, result }) => ({
        credential_id: item.record.id,
        credential_configuration_id: item.configuration.id,
        format: item.configuration.format,
        status: result.status,
        checks_passed: result.checks.filter((c) => c.status === 'pass').length,
        not_passed: result.checks.filter((c) => c.status !== 'pass'),
      })),
    },
  );
  for (const { item, result } of results) rec.recordSelfCheck(item.record.id, result);
  await rec.flush(deps.store);
}

/** A crash of the checker is itself a failed self-check, never a lost one. */
async function checkOne(deps: SelfCheckDeps, item: IssuedForSelfCheck): Promise<CredentialSelfCheck> {
  try {
    return await runSelfCheck(deps, { configuration: item.configuration, credential: item.credential, holderKeyThumbprint: item.record.holderKeyThumbprint });
  } catch (error) {
    return {
      status: 'fail',
      checked_at: new Date(deps.clock.nowMs()).toISOString(),
      checks: [{ check: 'self_check.run', status: 'fail', detail: `the self-check could not run: ${(error as Error).message}`, spec_ref: 'n/a' }],
    };
  }
}

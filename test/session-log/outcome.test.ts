import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { summarizeSession } from '../../src/session-log/outcome.js';
import type { LogEntry } from '../../src/store/store.js';

/** The outcome of a session at a glance, from its state and its log (pure). */

let n = 0;
const T = Date.UTC(2026, 11, 8, 1);
function request(endpoint: string, status: number, ua = 'Wallet/1'): LogEntry {
  n++;
  return { id: `log_${String(n).padStart(6, '0')}`, sessionId: 's', timestamp: T + n, level: 'debug', endpoint, requestId: `req_${n}`, message: `POST ${endpoint} -> ${status}`, data: { method: 'POST', path: `/${endpoint}`, status, headers: { 'user-agent': ua } } };
}
function diagnostic(endpoint: string, code: string, level: 'error' | 'warning' = 'error', reason = `${code} failed`): LogEntry {
  n++;
  return { id: `log_${String(n).padStart(6, '0')}`, sessionId: 's', timestamp: T + n, level, endpoint, requestId: `req_${n - 1}`, message: reason, data: { code, reason } };
}

describe('summarizeSession', () => {
  it('a refused proof leaves the state at token_exchanged but the outcome says refused at credential, with the reason', () => {
    const logs = [request('credential_offer', 200, 'Mozilla Camera'), request('token', 200), request('nonce', 200), request('credential', 400), diagnostic('credential', 'proof.jwt.aud', 'error', 'The proof JWT aud is not the credential issuer\nsecond line')];
    const s = summarizeSession({ state: 'token_exchanged', logs: [...logs].reverse() });
    assert.equal(s.outcome, 'refused');
    assert.equal(s.refused_at, 'credential');
    assert.equal(s.label, 'refused at credential');
    assert.equal(s.errors, 1);
    assert.equal(s.warnings, 0);
    assert.deepEqual(s.last_error, { id: logs[4].id, request_id: logs[4].requestId, endpoint: 'credential', code: 'proof.jwt.aud', reason: 'The proof JWT aud is not the credential issuer' });
    assert.deepEqual(s.wallet, { user_agent: 'Wallet/1', draft: '1.0' });
  });

  it('a retry that succeeded puts the session back in progress; the error stays counted', () => {
    const s = summarizeSession({ state: 'token_exchanged', logs: [request('token', 200), request('credential', 400), diagnostic('credential', 'proof.jwt.aud'), request('nonce', 200)] });
    assert.equal(s.outcome, 'in_progress');
    assert.equal(s.label, 'in progress');
    assert.equal(s.errors, 1);
  });

  it('issued is succeeded even with warnings; a deferred poll at 202 is in progress; expired and deleted are their own', () => {
    const issued = summarizeSession({ state: 'credential_issued', logs: [request('token', 200), request('credential', 200), diagnostic('credential', 'draft.proof.singular', 'warning')] });
    assert.equal(issued.outcome, 'succeeded');
    assert.equal(issued.warnings, 1);
    assert.equal(issued.wallet?.draft, 'draft 13-15');
    assert.equal(summarizeSession({ state: 'deferred', logs: [request('credential', 202), request('deferred_credential', 202)] }).outcome, 'in_progress');
    assert.equal(summarizeSession({ state: 'expired', logs: [] }).label, 'expired');
    assert.equal(summarizeSession({ state: 'credential_deleted', logs: [request('notification', 204)] }).outcome, 'ended');
  });

  it('a failed session names the step that failed last; no wallet before the first request', () => {
    const s = summarizeSession({ state: 'failed', logs: [request('token', 400), diagnostic('token', 'token.tx_code.invalid'), request('nonce', 200)] });
    assert.equal(s.label, 'refused at token');
    const fresh = summarizeSession({ state: 'offer_created', logs: [] });
    assert.equal(fresh.outcome, 'in_progress');
    assert.equal(fresh.wallet, null);
    assert.equal(fresh.last_error, null);
  });

  it('takes exact totals from the caller when the entries are only a window', () => {
    const s = summarizeSession({ state: 'token_exchanged', logs: [request('credential', 400), diagnostic('credential', 'x')], errors: 12, warnings: 3 });
    assert.equal(s.errors, 12);
    assert.equal(s.warnings, 3);
  });
});

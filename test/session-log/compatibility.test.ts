import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildCompatibilityMatrix, type SessionTrace } from '../../src/session-log/compatibility.js';
import type { LogEntry } from '../../src/store/store.js';

/** The compatibility matrix from recorded sessions: who the wallet is, which draft it spoke, what passed. */

let n = 0;
const T = Date.UTC(2026, 10, 30, 12);
function request(endpoint: string, status: number, ua?: string): LogEntry {
  n++;
  return { id: `log_${String(n).padStart(6, '0')}`, sessionId: 's', timestamp: T + n, level: 'debug', endpoint, requestId: `req_${n}`, message: `POST ${endpoint} -> ${status}`, data: { method: 'POST', status, headers: ua ? { 'user-agent': ua } : {} } };
}
function diagnostic(endpoint: string, code: string, level: 'error' | 'warning' = 'error'): LogEntry {
  n++;
  return { id: `log_${String(n).padStart(6, '0')}`, sessionId: 's', timestamp: T + n, level, endpoint, requestId: null, message: code, data: { code } };
}
const trace = (sessionId: string, logs: LogEntry[]): SessionTrace => ({ sessionId, createdAt: T, logs });

describe('buildCompatibilityMatrix', () => {
  it('names the wallet by the User-Agent of its token request, not of the browser that fetched the offer', () => {
    const [row] = buildCompatibilityMatrix([trace('s1', [request('credential_offer', 200, 'Mozilla/5.0 Camera'), request('token', 200, 'Wallet/1'), request('nonce', 200, 'Wallet/1'), request('credential', 200, 'Wallet/1')])]);
    assert.equal(row.wallet, 'Wallet/1');
    assert.equal(row.issued, 1);
    assert.equal(row.draft, '1.0');
  });

  it('counts a step passed once it succeeded, failed when it never did, and lists failure codes per session', () => {
    const rows = buildCompatibilityMatrix([
      trace('s1', [request('token', 200, 'W'), request('credential', 400, 'W'), diagnostic('credential', 'proof.jwt.aud'), request('credential', 200, 'W')]),
      trace('s2', [request('token', 200, 'W'), request('credential', 400, 'W'), diagnostic('credential', 'proof.jwt.aud'), request('credential', 400, 'W'), diagnostic('credential', 'proof.jwt.aud')]),
    ]);
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0].steps.credential, { passed: 1, failed: 1, codes: { 'proof.jwt.aud': 2 } });
    assert.equal(rows[0].sessions, 2);
    assert.equal(rows[0].issued, 1);
    assert.deepEqual(rows[0].recent_sessions, ['s2', 's1']);
  });

  it('tells drafts apart by their diagnostics; the oldest sign wins; a deferred 202 is not an issued credential', () => {
    const rows = buildCompatibilityMatrix([
      trace('d15', [request('token', 200, 'W'), request('credential', 202, 'W'), diagnostic('credential', 'draft.proof.singular', 'warning')]),
      trace('d14', [request('token', 200, 'W'), request('credential', 200, 'W'), diagnostic('credential', 'draft.proof.singular', 'warning'), diagnostic('credential', 'draft.request.format', 'warning')]),
      trace('strict', [request('token', 200, 'W'), request('credential', 400, 'W'), diagnostic('credential', 'credential.request.legacy_format')]),
    ]);
    const byDraft = Object.fromEntries(rows.map((r) => [r.draft, r]));
    assert.deepEqual(Object.keys(byDraft).sort(), ['draft 13-14', 'draft 13-15']);
    assert.equal(byDraft['draft 13-15'].issued, 0);
    assert.equal(byDraft['draft 13-15'].steps.credential.passed, 1);
    assert.equal(byDraft['draft 13-14'].sessions, 2);
    assert.deepEqual(byDraft['draft 13-14'].steps.credential, { passed: 1, failed: 1, codes: { 'credential.request.legacy_format': 1 } });
  });

  it('leaves out sessions without wallet requests and names a wallet without User-Agent', () => {
    const rows = buildCompatibilityMatrix([trace('empty', [diagnostic('credential_offers', 'x', 'warning')]), trace('anon', [request('token', 400)])]);
    assert.deepEqual(rows.map((r) => r.wallet), ['(no User-Agent)']);
  });
});

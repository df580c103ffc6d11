/**
 * Verdicts of a plan case, judged only from what the wallet did: its requests and the server's
 * diagnoses in the case's session log, and the session's events. Never from what a wallet says
 * about itself. Plain functions; a run recomputes them on every read, so verdicts follow the
 * wallet live (a "retry" expectation reads fail until the retry arrives).
 */
import type { EventEntry, LogEntry } from '../store/store.js';
import type { Expectation, ExpectationKind, PlanCase } from './plan.js';

export type Verdict = 'pass' | 'fail' | 'warning' | 'not_reached';

export interface ExpectationResult {
  id: string;
  kind: ExpectationKind;
  verdict: Verdict;
  requirement: string;
  /** Ids of the session log entries the verdict rests on. */
  evidence: string[];
  /** One sentence a wallet developer can act on. */
  detail: string;
}

export interface CaseResult {
  verdict: Verdict;
  expectations: ExpectationResult[];
}

/** What a judge reads: the case session's log entries and events, oldest first. */
export interface CaseRecord {
  logs: readonly LogEntry[];
  events: readonly EventEntry[];
}

/** A wallet request as the request recorder logged it (one entry per HTTP request). */
interface WalletRequest {
  entry: LogEntry;
  endpoint: string;
  status: number;
  at: number;
  requestId: string | null;
  headers: Record<string, unknown>;
  body: unknown;
  response: unknown;
}

function requestsOf(logs: readonly LogEntry[]): WalletRequest[] {
  const out: WalletRequest[] = [];
  for (const entry of logs) {
    const d = entry.data;
    if (!d || typeof d.method !== 'string' || typeof d.status !== 'number' || typeof d.path !== 'string') continue;
    out.push({
      entry,
      endpoint: entry.endpoint,
      status: d.status,
      at: entry.timestamp,
      requestId: entry.requestId,
      headers: (d.headers as Record<string, unknown>) ?? {},
      body: d.body,
      response: d.response,
    });
  }
  return out;
}

const codeOf = (e: LogEntry) => (typeof e.data?.code === 'string' ? e.data.code : undefined);
const withCode = (logs: readonly LogEntry[], match: (code: string) => boolean) => logs.filter((e) => { const c = codeOf(e); return c !== undefined && match(c); });
const ok = (r: WalletRequest) => r.status >= 200 && r.status < 300;
const ids = (...entries: (LogEntry | WalletRequest | undefined)[]) => [...new Set(entries.filter((e) => e !== undefined).map((e) => ('entry' in e ? e.entry.id : e.id)))];

type Outcome = { verdict: Exclude<Verdict, 'warning'>; evidence: string[]; detail: string };
type Judge = (record: CaseRecord, requests: WalletRequest[]) => Outcome;

const notReached = (detail: string): Outcome => ({ verdict: 'not_reached', evidence: [], detail });

/** A failed request's diagnosis entries (those of its request id), for evidence. */
const diagnosesOf = (record: CaseRecord, r: WalletRequest) => record.logs.filter((e) => e.requestId === r.requestId && codeOf(e) !== undefined);

const judges: Record<ExpectationKind, Judge> = {
  credential_issued(record, requests) {
    const issued = requests.find((r) => (r.endpoint === 'credential' || r.endpoint === 'deferred_credential') && r.status === 200);
    if (issued && record.events.some((e) => e.type === 'credential_issued')) return { verdict: 'pass', evidence: ids(issued), detail: 'A credential was issued to the wallet' };
    const tried = requests.filter((r) => r.endpoint === 'credential');
    if (!tried.length) return notReached('The wallet has not sent a credential request yet');
    const last = tried[tried.length - 1];
    if (last.status === 202) return { verdict: 'fail', evidence: ids(last), detail: 'The credential is deferred and was not collected' };
    return { verdict: 'fail', evidence: ids(last, ...diagnosesOf(record, last)), detail: `No credential issued; the last credential request got HTTP ${last.status}` };
  },

  nonce_endpoint_used(record, requests) {
    const credential = requests.find((r) => r.endpoint === 'credential');
    if (!credential) return notReached('The wallet has not sent a credential request yet');
    const tokenNonce = withCode(record.logs, (c) => c === 'draft.token.c_nonce');
    if (tokenNonce.length) return { verdict: 'fail', evidence: ids(...tokenNonce), detail: 'The proof carries the c_nonce of the token response (drafts up to 14), not one from the nonce endpoint' };
    const nonce = requests.find((r) => r.endpoint === 'nonce' && ok(r) && r.at <= credential.at);
    if (nonce) return { verdict: 'pass', evidence: ids(nonce, credential), detail: 'The wallet fetched a c_nonce from the nonce endpoint before its credential request' };
    return { verdict: 'fail', evidence: ids(credential), detail: 'No nonce request before the first credential request' };
  },

  retries_after_invalid_nonce(record, requests) {
    const refusal = withCode(record.logs, (c) => c === 'fault.nonce.rejected_first' || c === 'proof.jwt.nonce_unknown')[0];
    if (!refusal) {
      if (!requests.some((r) => r.endpoint === 'credential')) return notReached('The wallet has not sent a credential request yet');
      return notReached('No credential request was refused with invalid_nonce');
    }
    const after = requests.filter((r) => r.at >= refusal.timestamp && r.requestId !== refusal.requestId);
    const retry = after.find((r) => r.endpoint === 'credential');
    if (!retry) return { verdict: 'fail', evidence: ids(refusal), detail: 'After invalid_nonce the wallet did not send the credential request again' };
    const freshNonce = after.find((r) => r.endpoint === 'nonce' && ok(r) && r.at <= retry.at);
    if (!ok(retry)) return { verdict: 'fail', evidence: ids(refusal, freshNonce, retry, ...diagnosesOf(record, retry)), detail: `The retry after invalid_nonce got HTTP ${retry.status}` };
    const retries = after.filter((r) => r.endpoint === 'credential' && r.at <= retry.at).length;
    return { verdict: 'pass', evidence: ids(refusal, freshNonce, retry), detail: `The wallet retried ${retries === 1 ? 'once' : `${retries} times`} with a fresh c_nonce and got its credential` };
  },

  tx_code_sent(record, requests) {
    const tokens = requests.filter((r) => r.endpoint === 'token');
    if (!tokens.length) return notReached('The wallet has not sent a token request yet');
    const missing = withCode(record.logs, (c) => c === 'token.tx_code.missing' || c === 'token.tx_code.mismatch');
    if (missing.length) {
      const skipped = missing.some((e) => codeOf(e) === 'token.tx_code.missing');
      return { verdict: 'fail', evidence: ids(...missing), detail: skipped ? 'The token request had no tx_code although the offer asked for one' : 'The tx_code sent does not match the one shown to the user (length and input mode as declared in the offer)' };
    }
    const exchanged = record.events.find((e) => e.type === 'token_exchanged' && e.details?.tx_code_checked === true);
    const success = tokens.find(ok);
    if (exchanged && success) return { verdict: 'pass', evidence: ids(success), detail: 'The wallet sent the transaction code the user was shown' };
    return { verdict: 'fail', evidence: ids(...tokens), detail: 'No token request with the right transaction code' };
  },

  retries_after_tx_code_failure(record, requests) {
    const refusal = withCode(record.logs, (c) => c === 'fault.tx_code.rejected_first')[0];
    if (!refusal) {
      if (!requests.some((r) => r.endpoint === 'token')) return notReached('The wallet has not sent a token request yet');
      return notReached('No token request was refused for its transaction code');
    }
    const retry = requests.find((r) => r.endpoint === 'token' && r.at >= refusal.timestamp && r.requestId !== refusal.requestId);
    if (!retry) return { verdict: 'fail', evidence: ids(refusal), detail: 'After invalid_grant for the transaction code the wallet did not let the user enter it again' };
    if (!ok(retry)) return { verdict: 'fail', evidence: ids(refusal, retry, ...diagnosesOf(record, retry)), detail: `The second token request got HTTP ${retry.status}` };
    return { verdict: 'pass', evidence: ids(refusal, retry), detail: 'The wallet asked for the transaction code again and got a token' };
  },

  dpop_nonce_retry(record, requests) {
    const asked = withCode(record.logs, (c) => c === 'dpop.nonce.missing' || c === 'dpop.nonce.invalid');
    if (!asked.length) {
      if (!requests.some((r) => r.endpoint === 'token')) return notReached('The wallet has not sent a token request yet');
      const dpop = requests.some((r) => r.endpoint === 'token' && r.headers.dpop !== undefined);
      return dpop ? notReached('The server never asked this wallet for a DPoP nonce') : { verdict: 'fail', evidence: ids(...requests.filter((r) => r.endpoint === 'token')), detail: 'The wallet sent no DPoP proof, although this case requires DPoP' };
    }
    const evidence: string[] = [];
    for (const refusal of asked) {
      const refused = requests.find((r) => r.requestId === refusal.requestId);
      const endpoint = refused?.endpoint ?? refusal.endpoint;
      const retry = requests.find((r) => r.endpoint === endpoint && r.at >= refusal.timestamp && r.requestId !== refusal.requestId);
      if (!retry) return { verdict: 'fail', evidence: ids(refusal), detail: `After use_dpop_nonce at ${endpoint} the wallet did not repeat the request with the server's nonce` };
      const retryRefusal = withCode(record.logs, (c) => c === 'dpop.nonce.missing' || c === 'dpop.nonce.invalid').find((e) => e.requestId === retry.requestId);
      if (retryRefusal) return { verdict: 'fail', evidence: ids(refusal, retry, retryRefusal), detail: `The repeated ${endpoint} request still lacked a valid DPoP nonce` };
      evidence.push(...ids(refusal, retry));
    }
    return { verdict: 'pass', evidence: [...new Set(evidence)], detail: 'After use_dpop_nonce the wallet repeated each request with the DPoP-Nonce value' };
  },

  encrypted_credential_request(record, requests) {
    const credentials = requests.filter((r) => r.endpoint === 'credential');
    if (!credentials.length) return notReached('The wallet has not sent a credential request yet');
    const refusals = withCode(record.logs, (c) => c.startsWith('encryption.'));
    const encrypted = credentials.find((r) => ok(r) && /^application\/jwt/i.test(String(r.headers['content-type'] ?? '')));
    if (encrypted) return { verdict: 'pass', evidence: ids(...refusals, encrypted), detail: `The wallet sent an encrypted credential request${refusals.length ? ' after being refused a plain one' : ''}` };
    if (refusals.length) return { verdict: 'fail', evidence: ids(...refusals), detail: 'The credential request was not encrypted although the metadata requires it' };
    return { verdict: 'fail', evidence: ids(...credentials), detail: 'No encrypted credential request' };
  },

  deferred_polling_interval(record, requests) {
    const deferredAt = requests.find((r) => r.endpoint === 'credential' && r.status === 202);
    if (!deferredAt) return notReached('The credential has not been deferred yet');
    const polls = requests.filter((r) => r.endpoint === 'deferred_credential' && r.at >= deferredAt.at);
    if (!polls.length) return { verdict: 'fail', evidence: ids(deferredAt), detail: 'The wallet never polled the deferred credential endpoint' };
    let previous = deferredAt;
    for (const poll of polls) {
      const interval = intervalOf(previous.response);
      const waited = (poll.at - previous.at) / 1000;
      // A tenth of slack: both times are taken on the server, after reading each request.
      if (interval !== undefined && waited < interval * 0.9) {
        return { verdict: 'fail', evidence: ids(previous, poll), detail: `The wallet polled after ${waited.toFixed(1)} s; the issuer asked for an interval of ${interval} s` };
      }
      previous = poll;
    }
    return { verdict: 'pass', evidence: ids(deferredAt, ...polls), detail: `${polls.length} poll(s), none faster than the interval` };
  },

  notification_sent(record, requests) {
    const issued = requests.find((r) => (r.endpoint === 'credential' || r.endpoint === 'deferred_credential') && r.status === 200);
    if (!issued) return notReached('No credential was issued yet');
    const sent = requests.find((r) => r.endpoint === 'notification' && ok(r));
    if (sent) return { verdict: 'pass', evidence: ids(issued, sent), detail: 'The wallet sent a notification after storing the credential' };
    const failed = requests.filter((r) => r.endpoint === 'notification');
    return { verdict: 'fail', evidence: ids(issued, ...failed), detail: failed.length ? 'The notification request was refused' : 'The wallet sent no notification after receiving the credential' };
  },

  key_attestation_included(record, requests) {
    const credentials = requests.filter((r) => r.endpoint === 'credential');
    if (!credentials.length) return notReached('The wallet has not sent a credential request yet');
    const refusals = withCode(record.logs, (c) => c.startsWith('key_attestation.'));
    const issued = credentials.find(ok);
    if (issued && !refusals.some((e) => e.level === 'error')) return { verdict: 'pass', evidence: ids(issued), detail: 'The proofs carried a key attestation the issuer accepted' };
    return { verdict: 'fail', evidence: ids(...refusals, ...credentials.filter((r) => !ok(r))), detail: 'The credential request lacked an acceptable key attestation' };
  },

  wallet_attestation_included(record, requests) {
    const tokens = requests.filter((r) => r.endpoint === 'token' || r.endpoint === 'par');
    if (!tokens.length) return notReached('The wallet has not sent a token request yet');
    const refusals = withCode(record.logs, (c) => c.startsWith('client_attestation.'));
    const granted = requests.find((r) => r.endpoint === 'token' && ok(r));
    if (granted && !refusals.some((e) => e.level === 'error')) return { verdict: 'pass', evidence: ids(granted), detail: 'The token request carried a wallet attestation the issuer accepted' };
    return { verdict: 'fail', evidence: ids(...refusals, ...tokens.filter((r) => !ok(r))), detail: 'The token request lacked an acceptable wallet attestation (OAuth-Client-Attestation and its PoP)' };
  },

  offer_fetched_once(record, requests) {
    const fetches = requests.filter((r) => r.endpoint === 'credential_offer');
    if (!fetches.length) return notReached('The wallet has not fetched the offer yet');
    if (fetches.length === 1) return { verdict: 'pass', evidence: ids(fetches[0]), detail: 'The wallet fetched the credential_offer_uri once' };
    return { verdict: 'fail', evidence: ids(...fetches), detail: `The wallet fetched the credential_offer_uri ${fetches.length} times` };
  },

  batch_issuance(record, requests) {
    const credentials = requests.filter((r) => r.endpoint === 'credential');
    if (!credentials.length) return notReached('The wallet has not sent a credential request yet');
    const batch = credentials.find((r) => ok(r) && proofCount(r.body) >= 2 && credentialCount(r.response) >= 2);
    if (batch) return { verdict: 'pass', evidence: ids(batch), detail: `One credential request with ${proofCount(batch.body)} proofs got ${credentialCount(batch.response)} credentials` };
    const tried = credentials.find((r) => proofCount(r.body) >= 2);
    if (tried) return { verdict: 'fail', evidence: ids(tried, ...diagnosesOf(record, tried)), detail: `The batch request with ${proofCount(tried.body)} proofs got HTTP ${tried.status}` };
    return { verdict: 'fail', evidence: ids(...credentials), detail: 'Every credential request carried one proof: the wallet did not use batch issuance (batch_credential_issuance)' };
  },

  pushed_authorization_request(record, requests) {
    const pushed = requests.find((r) => r.endpoint === 'par' && ok(r));
    const authorize = requests.find((r) => r.endpoint === 'authorization');
    if (pushed) return { verdict: 'pass', evidence: ids(pushed, authorize), detail: 'The wallet pushed its authorization request (PAR) and used the request_uri' };
    if (authorize) return { verdict: 'fail', evidence: ids(authorize, ...diagnosesOf(record, authorize)), detail: 'The authorization request was sent to the authorization endpoint directly, not pushed (PAR)' };
    const failed = requests.find((r) => r.endpoint === 'par');
    if (failed) return { verdict: 'fail', evidence: ids(failed, ...diagnosesOf(record, failed)), detail: `The pushed authorization request got HTTP ${failed.status}` };
    return notReached('The wallet has not sent an authorization request yet');
  },

  no_draft_shapes(record, requests) {
    if (!requests.some((r) => r.endpoint === 'token' || r.endpoint === 'credential')) return notReached('The wallet has not sent a token or credential request yet');
    const drafts = withCode(record.logs, (c) => c.startsWith('draft.') || c.includes('legacy'));
    if (drafts.length) return { verdict: 'fail', evidence: ids(...drafts), detail: `The wallet used draft request shapes: ${[...new Set(drafts.map(codeOf))].join(', ')}` };
    return { verdict: 'pass', evidence: ids(...requests.filter((r) => r.endpoint === 'credential')), detail: 'Every request had the OID4VCI 1.0 shape' };
  },
};

function proofCount(body: unknown): number {
  const proofs = body && typeof body === 'object' ? (body as { proofs?: unknown }).proofs : undefined;
  if (!proofs || typeof proofs !== 'object') return 0;
  return Object.values(proofs as Record<string, unknown>).reduce<number>((n, list) => n + (Array.isArray(list) ? list.length : 0), 0);
}

function credentialCount(response: unknown): number {
  const credentials = response && typeof response === 'object' ? (response as { credentials?: unknown }).credentials : undefined;
  return Array.isArray(credentials) ? credentials.length : 0;
}

function intervalOf(response: unknown): number | undefined {
  const interval = response && typeof response === 'object' ? (response as { interval?: unknown }).interval : undefined;
  return typeof interval === 'number' ? interval : undefined;
}

export function judgeExpectation(expectation: Expectation, record: CaseRecord): ExpectationResult {
  const outcome = judges[expectation.kind](record, requestsOf(record.logs));
  const verdict: Verdict = outcome.verdict === 'fail' && expectation.on_miss === 'warning' ? 'warning' : outcome.verdict;
  return { id: expectation.id, kind: expectation.kind, verdict, requirement: expectation.requirement, evidence: outcome.evidence, detail: outcome.detail };
}

/** A case fails when any expectation fails; it is not reached until every expectation is. */
export function judgeCase(planCase: PlanCase, record: CaseRecord): CaseResult {
  const expectations = planCase.expectations.map((x) => judgeExpectation(x, record));
  const has = (v: Verdict) => expectations.some((x) => x.verdict === v);
  const verdict: Verdict = has('fail') ? 'fail' : has('not_reached') ? 'not_reached' : has('warning') ? 'warning' : 'pass';
  return { verdict, expectations };
}

export function summarize(verdicts: readonly Verdict[]): Record<Verdict, number> {
  const summary: Record<Verdict, number> = { pass: 0, fail: 0, warning: 0, not_reached: 0 };
  for (const v of verdicts) summary[v]++;
  return summary;
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as res from '../../src/schemas/admin-responses.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Session observability over HTTP: redaction everywhere a session can be read, the unbound
 * request stream, filters and pagination, SSE order and resumption, export (JSON, HAR), share
 * links and client addresses. Responses are parsed with the schemas the OpenAPI document is
 * generated from.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer();
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const MDL = 'org.iso.18013.5.1.mDL';

async function signIn(target: RunningIssuer): Promise<string> {
  const r = await fetch(`${target.baseUrl}/ui/sign-in`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: target.adminToken }).toString(),
    redirect: 'manual',
  });
  assert.equal(r.status, 303);
  const cookie = r.headers.get('set-cookie')!;
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  return cookie.split(';')[0];
}

/** A full pre-authorized flow with a tx_code and one refused proof before the good one. */
async function flowWithTxCode(target: RunningIssuer, headers: Record<string, string> = {}) {
  const offer = await w.createOffer(target, { credential_configuration_ids: [SD_JWT], grants: { pre_authorized_code: { tx_code: true } } });
  await fetch(offer.credential_offer_uri!, { headers });
  const accessToken = await w.redeem(target, offer);
  const key = await w.newHolderKey();
  const bad = await w.signProof(key, { aud: 'https://wrong.example', nonce: await w.fetchNonce(target) });
  assert.equal((await w.credentialRequest(target, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [bad] } }, headers)).status, 400);
  const good = await w.signProof(key, { aud: target.baseUrl, nonce: await w.fetchNonce(target) });
  const ok = await w.credentialRequest(target, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [good] } }, headers);
  assert.equal(ok.status, 200, ok.text);
  // The self-check of the credential lands just after the reply: wait, so the session's logs are final.
  await selfCheckRecorded(target, offer.session_id);
  return { offer, accessToken, code: w.preAuthorizedCode(offer), txCode: offer.tx_code! };
}

async function selfCheckRecorded(target: RunningIssuer, sessionId: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const issued = (await admin(target, 'GET', `/sessions/${sessionId}`)).body.issued_credentials as { self_check: unknown }[];
    if (issued.length > 0 && issued.every((c) => c.self_check)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no self-check recorded for ${sessionId}`);
}

async function text(url: string, headers: Record<string, string> = {}) {
  const r = await fetch(url, { headers });
  assert.equal(r.status, 200, url);
  return r.text();
}

/** Reads SSE messages from a fetch body until `done` says enough. */
async function readSse(url: string, headers: Record<string, string>, done: (msgs: { event: string; id?: string; data: any }[]) => boolean, act?: () => Promise<void>) {
  const controller = new AbortController();
  const r = await fetch(url, { headers, signal: controller.signal });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type')!, /^text\/event-stream/);
  const reader = r.body!.getReader();
  const decoder = new TextDecoder();
  const msgs: { event: string; id?: string; data: any }[] = [];
  let buffer = '';
  const acting = act?.();
  while (!done(msgs)) {
    const { value, done: ended } = await reader.read();
    if (ended) break;
    buffer += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const m: { event: string; id?: string; data: any } = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) m.event = line.slice(7);
        else if (line.startsWith('id: ')) m.id = line.slice(4);
        else if (line.startsWith('data: ')) data.push(line.slice(6));
      }
      if (block.startsWith(':') || m.event === 'ping') continue;
      m.data = JSON.parse(data.join('\n'));
      msgs.push(m);
    }
  }
  await acting;
  controller.abort();
  return msgs;
}

describe('session observability', () => {
  it('never shows the access token, pre-authorized code or tx_code in clear: session view, logs, events, exports, dashboard and share pages', async () => {
    const f = await flowWithTxCode(issuer);
    const id = f.offer.session_id;
    const bearer = { authorization: `Bearer ${issuer.adminToken}` };
    const cookie = await signIn(issuer);
    const share = await admin(issuer, 'POST', `/sessions/${id}/share`, { expires_in: 3600 });
    assert.equal(share.status, 201);
    res.zShareLink.parse(share.body);
    const views: Record<string, string> = {
      detail: await text(`${issuer.baseUrl}/sessions/${id}`, bearer),
      logs: await text(`${issuer.baseUrl}/sessions/${id}/logs?limit=500`, bearer),
      events: await text(`${issuer.baseUrl}/sessions/${id}/events`, bearer),
      export: await text(`${issuer.baseUrl}/sessions/${id}/export`, bearer),
      har: await text(`${issuer.baseUrl}/sessions/${id}/export?format=har`, bearer),
      list: await text(`${issuer.baseUrl}/sessions`, bearer),
      page: await text(`${issuer.baseUrl}/ui/sessions/${id}`, { cookie }),
      dashboardExport: await text(`${issuer.baseUrl}/ui/sessions/${id}/export?format=har`, { cookie }),
      share: await text(share.body.url),
    };
    res.zSessionDetail.parse(JSON.parse(views.detail));
    res.zLogList.parse(JSON.parse(views.logs));
    res.zEventList.parse(JSON.parse(views.events));
    res.zSessionExport.parse(JSON.parse(views.export));
    res.zHarExport.parse(JSON.parse(views.har));
    res.zSessionList.parse(JSON.parse(views.list));
    assert.ok(JSON.parse(views.logs).logs.some((l: any) => l.data?.code === 'proof.jwt.aud'), 'the refused proof is logged');
    assert.match(views.page, /proof\.jwt\.aud/);
    for (const [name, body] of Object.entries(views)) {
      assert.ok(!body.includes(f.accessToken), `access token in ${name}`);
      assert.ok(!body.includes(f.code), `pre-authorized code in ${name}`);
      assert.doesNotMatch(body, new RegExp(`(?<![A-Za-z0-9])${f.txCode}(?![A-Za-z0-9])`), `tx_code in ${name}`);
    }
    // The redacted forms are there instead (so requests can still be matched by their keyed fingerprint).
    assert.match(views.har, /Bearer <redacted hmac:/);
    assert.match(views.har, /tx_code=%3Credacted\+hmac/);
  });

  it('records requests that cannot be tied to a session in the unbound stream (unknown code, unknown token, garbage)', async () => {
    const token = await w.tokenRequest(issuer, { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': 'made-up-code' });
    assert.equal(token.status, 400);
    const credential = await w.credentialRequest(issuer, 'made-up-token', '{"not json');
    assert.equal(credential.status, 401);
    const page = await admin(issuer, 'GET', '/unbound_requests/logs?limit=200');
    res.zLogList.parse(page.body);
    const byRequest = (rid: string | null) => page.body.logs.filter((l: any) => l.request_id === rid);
    const tokenLogs = byRequest(token.headers.get('x-request-id'));
    assert.ok(tokenLogs.some((l: any) => l.level === 'error' && l.data.code === 'token.pre_authorized_code.unknown' && l.data.spec_ref === 'OID4VCI 1.0 §6.3'));
    assert.ok(tokenLogs.some((l: any) => l.level === 'debug' && l.data.path === '/token' && l.data.status === 400));
    assert.ok(!JSON.stringify(tokenLogs).includes('made-up-code'), 'the unknown code is redacted too');
    assert.ok(byRequest(credential.headers.get('x-request-id')).some((l: any) => l.data.code === 'credential.token.unknown'));
    const errorsOnly = await admin(issuer, 'GET', '/unbound_requests/logs?level=error&limit=200');
    assert.ok(errorsOnly.body.logs.length > 0 && errorsOnly.body.logs.every((l: any) => l.level === 'error'));
    const cookie = await signIn(issuer);
    assert.match(await text(`${issuer.baseUrl}/ui/unbound`, { cookie }), /token\.pre_authorized_code\.unknown/);
  });

  it('filters sessions by state, configuration and creation time, and paginates without overlap', async () => {
    const mdl = [];
    for (let i = 0; i < 3; i++) mdl.push(await w.createOffer(issuer, { credential_configuration_ids: [MDL] }));
    const redeemed = await w.createOffer(issuer, { credential_configuration_ids: [MDL] });
    await w.redeem(issuer, redeemed);
    const byConfig = await admin(issuer, 'GET', `/sessions?credential_configuration_id=${MDL}&limit=500`);
    res.zSessionList.parse(byConfig.body);
    assert.equal(byConfig.body.total, 4);
    assert.ok(byConfig.body.sessions.every((s: any) => s.credential_configuration_ids.includes(MDL)));
    const exchanged = await admin(issuer, 'GET', `/sessions?credential_configuration_id=${MDL}&state=token_exchanged`);
    assert.deepEqual(exchanged.body.sessions.map((s: any) => s.session_id), [redeemed.session_id]);

    const pages = [];
    for (let offset = 0; offset < 4; offset += 2) pages.push(await admin(issuer, 'GET', `/sessions?credential_configuration_id=${MDL}&limit=2&offset=${offset}`));
    const ids = pages.flatMap((p) => p.body.sessions.map((s: any) => s.session_id));
    assert.equal(new Set(ids).size, 4);
    assert.deepEqual(ids, byConfig.body.sessions.map((s: any) => s.session_id), 'pages concatenate to the full list, newest first');

    const created = byConfig.body.sessions.map((s: any) => s.created_at).sort();
    const window = await admin(issuer, 'GET', `/sessions?credential_configuration_id=${MDL}&created_after=${created[1]}&created_before=${created[3]}`);
    assert.deepEqual(window.body.sessions.map((s: any) => s.created_at).sort(), created.filter((c: string) => c >= created[1] && c < created[3]));
    assert.equal((await admin(issuer, 'GET', '/sessions?state=nonsense')).status, 400);
  });

  it('filters session logs by level and paginates them newest first', async () => {
    const f = await flowWithTxCode(issuer);
    const all = (await admin(issuer, 'GET', `/sessions/${f.offer.session_id}/logs?limit=500`)).body;
    assert.ok(all.total >= 8);
    const ids = all.logs.map((l: any) => l.id);
    assert.deepEqual(ids, [...ids].sort().reverse(), 'newest first');
    const errors = (await admin(issuer, 'GET', `/sessions/${f.offer.session_id}/logs?level=error,warning`)).body;
    assert.ok(errors.logs.length >= 1 && errors.logs.every((l: any) => l.level === 'error' || l.level === 'warning'));
    const p1 = (await admin(issuer, 'GET', `/sessions/${f.offer.session_id}/logs?limit=3&offset=0`)).body;
    const p2 = (await admin(issuer, 'GET', `/sessions/${f.offer.session_id}/logs?limit=3&offset=3`)).body;
    assert.deepEqual([...p1.logs, ...p2.logs].map((l: any) => l.id), ids.slice(0, 6));
    assert.equal(p1.total, all.total);
  });

  it('SSE delivers logs and events as they are committed, in order, and resumes after Last-Event-ID without gaps or repeats', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    const url = `${issuer.baseUrl}/sessions/${offer.session_id}/stream`;
    const bearer = { authorization: `Bearer ${issuer.adminToken}` };
    const isIssued = (m: { event: string; data: any }) => m.event === 'event' && m.data.type === 'credential_issued';
    // The self-check entry is the last one the flow produces, just after the reply.
    const isSelfCheck = (m: { event: string; data: any }) => m.event === 'log' && /^Self-check/.test(m.data.message);
    const live = await readSse(url, bearer, (msgs) => msgs.some(isIssued) && msgs.some(isSelfCheck), async () => {
      const accessToken = await w.redeem(issuer, offer);
      const key = await w.newHolderKey();
      const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
      await w.credentialRequest(issuer, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [proof] } });
    });
    const events = live.filter((m) => m.event === 'event');
    assert.deepEqual(events.map((m) => m.data.type), ['token_exchanged', 'credential_issued']);
    const entryIds = live.filter((m) => m.id).map((m) => m.id!);
    assert.deepEqual(entryIds, [...entryIds].sort(), 'ids increase: commit order');
    assert.ok(live.some((m) => m.event === 'log' && m.data.endpoint === 'credential'));
    assert.deepEqual(live.filter((m) => m.event === 'state').map((m) => m.data.state), ['token_exchanged', 'credential_issued']);

    // Resume after the token_exchanged event: the store replays exactly what followed.
    const resumeAt = events[0].id!;
    const expected = entryIds.filter((i) => i > resumeAt);
    const replay = await readSse(url, { ...bearer, 'last-event-id': resumeAt }, (msgs) => msgs.filter((m) => m.id).length >= expected.length);
    assert.deepEqual(replay.filter((m) => m.id).map((m) => m.id), expected);
    assert.equal((await fetch(`${issuer.baseUrl}/sessions/${offer.session_id}/stream`)).status, 401, 'bearer required');
  });

  it('exports HAR 1.2 with one entry per request and a cURL line each', async () => {
    const f = await flowWithTxCode(issuer);
    const har = (await admin(issuer, 'GET', `/sessions/${f.offer.session_id}/export?format=har`)).body;
    res.zHarExport.parse(har);
    const entries = har.log.entries as any[];
    const logs = (await admin(issuer, 'GET', `/sessions/${f.offer.session_id}/logs?level=debug&limit=500`)).body.logs;
    assert.equal(entries.length, logs.filter((l: any) => l.data?.method).length);
    const token = entries.find((e) => e.request.url === `${issuer.baseUrl}/token`);
    assert.equal(token.request.method, 'POST');
    assert.equal(token.response.status, 200);
    assert.match(token.comment, new RegExp(`^curl -X POST '${issuer.baseUrl}/token' .*--data-raw 'grant_type=urn`));
    const refused = entries.find((e) => e.response.status === 400);
    assert.equal(JSON.parse(refused.response.content.text).error, 'invalid_proof');
    assert.ok(entries.every((e, i) => i === 0 || e.startedDateTime >= entries[i - 1].startedDateTime));
  });

  it('share links render the session read-only without login, reject unknown tokens, and stream live', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    const share = (await admin(issuer, 'POST', `/sessions/${offer.session_id}/share`, {})).body;
    assert.match(share.url, new RegExp(`^${issuer.baseUrl}/share/[A-Za-z0-9_-]{40,}$`));
    const page = await text(share.url);
    assert.match(page, new RegExp(offer.session_id));
    assert.doesNotMatch(page, /Supply Claims|name="csrf"|Export HAR/, 'read-only');
    assert.equal((await fetch(`${issuer.baseUrl}/share/not-a-token`)).status, 404);
    assert.equal((await admin(issuer, 'POST', `/sessions/${offer.session_id}/share`, { expires_in: 5 })).status, 400);
    const msgs = await readSseText(`${share.url}/stream`, async () => void (await fetch(offer.credential_offer_uri!)));
    assert.match(msgs, /event: event\nid: |id: [^\n]+\nevent: event/);
    assert.match(msgs, /offer_retrieved/);
  });
});

/** Raw SSE text until an `event` message arrives (the dashboard streams carry HTML). */
async function readSseText(url: string, act: () => Promise<void>): Promise<string> {
  const controller = new AbortController();
  const r = await fetch(url, { signal: controller.signal });
  const reader = r.body!.getReader();
  let out = '';
  const acting = act();
  while (!/event: event\n/.test(out)) {
    const { value, done } = await reader.read();
    if (done) break;
    out += new TextDecoder().decode(value);
  }
  await acting;
  controller.abort();
  return out;
}

describe('client addresses', () => {
  let keeping: RunningIssuer;
  before(async () => {
    keeping = await startIssuer({ env: { KEEP_CLIENT_IPS: '1' } });
  });
  after(async () => {
    await keeping.stop();
    keeping.cleanup();
  });

  it('are withheld by default, kept for admins with KEEP_CLIENT_IPS, and never shown on share links', async () => {
    const forwarded = { 'x-forwarded-for': '203.0.113.77' };
    const plain = await flowWithTxCode(issuer, forwarded);
    const plainLogs = JSON.stringify((await admin(issuer, 'GET', `/sessions/${plain.offer.session_id}/logs?limit=500`)).body);
    assert.ok(!plainLogs.includes('203.0.113.77'));
    assert.match(plainLogs, /address withheld/);
    assert.ok(!plainLogs.includes('client_ip'));

    const kept = await flowWithTxCode(keeping, forwarded);
    const logs = (await admin(keeping, 'GET', `/sessions/${kept.offer.session_id}/logs?limit=500`)).body.logs;
    assert.ok(JSON.stringify(logs).includes('203.0.113.77'));
    assert.ok(logs.some((l: any) => l.data?.client_ip === '127.0.0.1'));
    const share = (await admin(keeping, 'POST', `/sessions/${kept.offer.session_id}/share`, {})).body;
    const page = await text(share.url);
    assert.ok(page.includes(kept.offer.session_id));
    assert.ok(!page.includes('203.0.113.77'), 'forwarded address on the share page');
    assert.ok(!page.includes('client_ip'), 'socket address on the share page');
  });
});

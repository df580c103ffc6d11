import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * An offer that expires unredeemed ends its session visibly: state `expired` and one
 * `session_expired` event, live on the session's stream and on its page, instead of the
 * session vanishing silently when retention deletes it later. A redeemed offer is untouched.
 * Real server: offers live 2 s, the retention run comes every second. The same for a wallet that
 * stops after the token exchange: once its access token expired (no refresh token) the session
 * ends with reason access_token_expired; one that went on to get its credential is untouched.
 */

let issuer: RunningIssuer;
before(async () => {
  issuer = await startIssuer({ env: { OFFER_TTL_SECONDS: '2', PURGE_INTERVAL_SECONDS: '1' } });
});
after(async () => {
  await issuer.stop();
  issuer.cleanup();
});

interface SseMessage {
  event: string;
  id?: string;
  data: any;
}

/** Reads SSE messages until `done` says enough (or the time is up: then the caller's assertions fail). */
async function readSse(url: string, headers: Record<string, string>, done: (msgs: SseMessage[]) => boolean, timeoutMs = 20_000): Promise<SseMessage[]> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const msgs: SseMessage[] = [];
  try {
    const r = await fetch(url, { headers, signal: controller.signal });
    assert.equal(r.status, 200);
    const reader = r.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    while (!done(msgs)) {
      const { value, done: ended } = await reader.read();
      if (ended) break;
      buffer += decoder.decode(value, { stream: true });
      let cut: number;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (block.startsWith(':')) continue;
        const m: SseMessage = { event: 'message', data: '' };
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event: ')) m.event = line.slice(7);
          else if (line.startsWith('id: ')) m.id = line.slice(4);
          else if (line.startsWith('data: ')) data.push(line.slice(6));
        }
        if (m.event === 'ping') continue;
        m.data = JSON.parse(data.join('\n'));
        msgs.push(m);
      }
    }
  } catch (err) {
    if ((err as Error).name !== 'AbortError') throw err;
  } finally {
    clearTimeout(timer);
    controller.abort();
  }
  return msgs;
}

describe('session_expired', () => {
  it('moves a session whose offer expired unredeemed to expired with one session_expired event, on the stream and the page; a redeemed one stays', async () => {
    const unredeemed = await w.createOffer(issuer);
    const redeemed = await w.createOffer(issuer);
    await w.redeem(issuer, redeemed);
    // Fetched once by a wallet: offer_retrieved also expires.
    if (unredeemed.credential_offer_uri) assert.equal((await fetch(unredeemed.credential_offer_uri)).status, 200);

    const expiredEvent = (m: SseMessage) => m.event === 'event' && m.data.type === 'session_expired';
    const expiredState = (m: SseMessage) => m.event === 'state' && m.data.state === 'expired';
    const live = await readSse(`${issuer.baseUrl}/sessions/${unredeemed.session_id}/stream`, { authorization: `Bearer ${issuer.adminToken}` }, (msgs) => msgs.some(expiredEvent) && msgs.some(expiredState));
    assert.ok(live.some(expiredEvent), `session_expired on the stream: ${JSON.stringify(live.map((m) => [m.event, m.data?.type ?? m.data?.state]))}`);
    assert.ok(live.some(expiredState), 'the stream sends the new state');

    // A few more retention runs: the event stays single, the redeemed session untouched.
    await new Promise((r) => setTimeout(r, 2500));
    const session = (await admin(issuer, 'GET', `/sessions/${unredeemed.session_id}`)).body;
    assert.equal(session.state, 'expired');
    const expiredEvents = session.events.filter((e: any) => e.type === 'session_expired');
    assert.equal(expiredEvents.length, 1);
    assert.equal(expiredEvents[0].details.reason, 'offer_expired');
    assert.equal(expiredEvents[0].details.previous_state, unredeemed.credential_offer_uri ? 'offer_retrieved' : 'offer_created');

    const other = (await admin(issuer, 'GET', `/sessions/${redeemed.session_id}`)).body;
    assert.equal(other.state, 'token_exchanged');
    assert.ok(!other.events.some((e: any) => e.type === 'session_expired'));

    const share = (await admin(issuer, 'POST', `/sessions/${unredeemed.session_id}/share`, {})).body;
    const page = await (await fetch(share.url)).text();
    assert.match(page, /<td class="event-type">session_expired<\/td>/);
    assert.match(page, /data-testid="session-state">expired</);
  });
});

describe('session_expired after the token exchange', () => {
  let short: RunningIssuer;
  before(async () => {
    short = await startIssuer({ env: { ACCESS_TOKEN_TTL_SECONDS: '2', PURGE_INTERVAL_SECONDS: '1' } });
  });
  after(async () => {
    await short.stop();
    short.cleanup();
  });

  it('ends a session whose wallet took a token and never asked for a credential, once the token expired; a finished one stays', async () => {
    const config = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
    const stopped = await w.createOffer(short, { credential_configuration_ids: [config] });
    const finished = await w.createOffer(short, { credential_configuration_ids: [config] });
    await w.redeem(short, stopped);
    const token = await w.redeem(short, finished);
    const key = await w.newHolderKey();
    const proof = await w.signProof(key, { aud: short.baseUrl, nonce: await w.fetchNonce(short) });
    const ok = await w.credentialRequest(short, token, { credential_configuration_id: config, proofs: { jwt: [proof] } });
    assert.equal(ok.status, 200, ok.text);

    const expiredEvent = (m: SseMessage) => m.event === 'event' && m.data.type === 'session_expired';
    const live = await readSse(`${short.baseUrl}/sessions/${stopped.session_id}/stream`, { authorization: `Bearer ${short.adminToken}` }, (msgs) => msgs.some(expiredEvent));
    assert.ok(live.some(expiredEvent), `session_expired on the stream: ${JSON.stringify(live.map((m) => [m.event, m.data?.type ?? m.data?.state]))}`);

    const session = (await admin(short, 'GET', `/sessions/${stopped.session_id}`)).body;
    assert.equal(session.state, 'expired');
    const ended = session.events.filter((e: any) => e.type === 'session_expired');
    assert.equal(ended.length, 1);
    assert.equal(ended[0].details.reason, 'access_token_expired');
    assert.equal(ended[0].details.previous_state, 'token_exchanged');

    const other = (await admin(short, 'GET', `/sessions/${finished.session_id}`)).body;
    assert.notEqual(other.state, 'expired');
    assert.ok(!other.events.some((e: any) => e.type === 'session_expired'));
  });
});

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { RetentionPolicy, SessionRecord } from '../../../src/store/store.js';
import type { ContractCase } from './harness.js';
import { OLD, uid } from './harness.js';
import { event, grant, log, session, writes } from './fixtures.js';

const HOUR = 3600_000;
const DAY = 24 * HOUR;

export const retentionCases: ContractCase = (ctx) => {
  it('purges expired artefacts, expired unredeemed offers, old logs and old sessions, in small batches, and nothing else', async () => {
    const store = ctx.store();
    // A fixed clock in 2001: no other case has rows that old, so the purge reaches only these.
    const now = OLD + 100 * DAY;
    const policy: RetentionPolicy = { expiredGraceMs: HOUR, logsMaxAgeMs: 7 * DAY, sessionsMaxAgeMs: 30 * DAY, batchSize: 3 };

    const oldSession = session({ createdAt: now - 31 * DAY, state: 'credential_issued' });
    const recent = session({ createdAt: now - DAY, state: 'credential_issued' });
    const expiredOffer = session({ createdAt: now - 2 * DAY, offerExpiresAt: now - 2 * HOUR });
    const expiringOffer = session({ createdAt: now - 2 * DAY, offerExpiresAt: now - HOUR / 2 });
    const redeemedExpiredOffer = session({ createdAt: now - 2 * DAY, offerExpiresAt: now - 2 * HOUR, state: 'token_exchanged' });
    for (const s of [oldSession, recent, expiredOffer, expiringOffer, redeemedExpiredOffer]) await store.sessions.create(s);

    const oldGrant = grant(oldSession.id, { expiresAt: now + DAY });
    const deadGrant = grant(recent.id, { expiresAt: now - 2 * HOUR });
    const liveGrant = grant(recent.id, { expiresAt: now + HOUR });
    for (const g of [oldGrant, deadGrant, liveGrant]) await store.grants.createPreAuthorized(g);

    const token = (sessionId: string, expiresAt: number) => ({
      tokenHash: uid('tok'), sessionId, grantType: 'pre-authorized_code' as const, authorizationDetails: [],
      detailsReturned: false, anonymous: true, clientId: null, dpopJkt: null, expiresAt, createdAt: expiresAt - HOUR, grantId: null,
    });
    const deadToken = token(recent.id, now - 2 * HOUR);
    const graceToken = token(recent.id, now - HOUR / 2);
    for (const t of [deadToken, graceToken]) await store.tokens.create(t);

    const deadNonces = Array.from({ length: 8 }, () => uid('n'));
    for (const n of deadNonces) await store.nonces.create(n, now - 2 * HOUR, now - 3 * HOUR, null);
    const graceNonce = uid('n');
    await store.nonces.create(graceNonce, now - HOUR / 2, now - HOUR, null);
    const liveNonce = uid('n');
    await store.nonces.create(liveNonce, now + HOUR, now, null);

    const oldLogs = [log(recent.id, now - 8 * DAY), log(null, now - 8 * DAY), log(null, now - 9 * DAY)];
    const keptLogs = [log(recent.id, now - DAY), log(null, now - HOUR)];
    const oldSessionLogs = [log(oldSession.id, now - 31 * DAY), log(oldSession.id, now - 3 * DAY)];
    await store.write(
      writes({
        logs: [...oldLogs, ...keptLogs, ...oldSessionLogs],
        events: [event(oldSession.id, 'offer_created', now - 31 * DAY), event(recent.id, 'offer_created', now - DAY), event(expiredOffer.id, 'offer_created', now - 2 * DAY)],
        issued: [{ id: uid('cred'), sessionId: oldSession.id, credentialConfigurationId: 'x', credentialIdentifier: null, format: 'f', holderKeyThumbprint: 't', keySource: 'jwk', credentialDigest: 'd', issuedAt: now - 31 * DAY, expiresAt: now + DAY }],
      }),
    );

    const counts = await store.maintenance.purge(policy, now);

    assert.equal(counts.sessions, 2, 'the old session and the expired unredeemed offer');
    assert.equal(await store.sessions.get(oldSession.id), null);
    assert.equal(await store.sessions.get(expiredOffer.id), null);
    for (const s of [recent, expiringOffer, redeemedExpiredOffer]) assert.ok(await store.sessions.get(s.id), `kept ${s.state}`);
    assert.equal((await store.events.list(oldSession.id, { limit: 10, offset: 0 })).total, 0);
    assert.equal((await store.events.list(expiredOffer.id, { limit: 10, offset: 0 })).total, 0);
    assert.equal((await store.events.list(recent.id, { limit: 10, offset: 0 })).total, 1, 'events live as long as their session');
    assert.deepEqual(await store.credentials.listBySession(oldSession.id), []);
    assert.equal((await store.logs.list(oldSession.id, { limit: 10, offset: 0 })).total, 0, 'a purged session takes even its recent logs');

    assert.equal(await store.grants.peekPreAuthorized(oldGrant.codeHash), null);
    assert.equal(await store.grants.peekPreAuthorized(deadGrant.codeHash), null);
    assert.ok(await store.grants.peekPreAuthorized(liveGrant.codeHash));
    assert.equal(await store.tokens.get(deadToken.tokenHash), null);
    assert.ok(await store.tokens.get(graceToken.tokenHash), 'still within the grace period');

    for (const n of deadNonces) assert.equal(await store.nonces.peek(n), null);
    assert.equal(counts.nonces, 8, 'eight expired nonces, deleted three at a time');
    assert.ok(await store.nonces.peek(graceNonce));
    assert.ok(await store.nonces.peek(liveNonce));

    const recentLogs = (await store.logs.list(recent.id, { limit: 10, offset: 0 })).items.map((l) => l.id);
    assert.deepEqual(recentLogs, [keptLogs[0].id]);
    const unbound = (await store.logs.list(null, { limit: 100, offset: 0, order: 'asc', afterId: (now - 10 * DAY).toString(36).padStart(9, '0') })).items;
    const unboundOld = unbound.filter((l) => l.timestamp < now).map((l) => l.id);
    assert.deepEqual(unboundOld, [keptLogs[1].id]);

    const again = await store.maintenance.purge(policy, now);
    assert.ok(Object.values(again).every((n) => n === 0), `a second run finds nothing: ${JSON.stringify(again)}`);
  });

  it('expires each session whose offer expired unredeemed exactly once, also with two instances at once, and counts sessions by state', async () => {
    const store = ctx.store();
    const other = ctx.second() ?? store;
    // After the purge case's clock (its sessions are gone or stay untouched by the filter below).
    const now = OLD + 150 * DAY;
    const created = session({ createdAt: now - DAY, offerExpiresAt: now - 1 });
    const retrieved = session({ createdAt: now - DAY, offerExpiresAt: now - HOUR, state: 'offer_retrieved' });
    const live = session({ createdAt: now - DAY, offerExpiresAt: now + HOUR });
    const redeemed = session({ createdAt: now - DAY, offerExpiresAt: now - HOUR, state: 'token_exchanged' });
    for (const s of [created, retrieved, live, redeemed]) await store.sessions.create(s);
    const ours = new Set([created.id, retrieved.id, live.id, redeemed.id]);

    const from = ['offer_created', 'offer_retrieved', 'token_exchanged'] as const;
    const runs = await Promise.all([store.maintenance.expireEnded(now, from, 'expired', 500), other.maintenance.expireEnded(now, from, 'expired', 500)]);
    const expired = runs.flat().filter((e) => ours.has(e.id));
    assert.deepEqual(expired.map((e) => e.id).sort(), [created.id, retrieved.id].sort(), 'each once, across both instances');
    assert.equal(expired.find((e) => e.id === retrieved.id)!.state, 'offer_retrieved');
    assert.equal(expired.find((e) => e.id === created.id)!.endedAt, created.offerExpiresAt);
    assert.equal(expired.find((e) => e.id === created.id)!.reason, 'offer_expired');
    assert.equal((await store.sessions.get(created.id))!.state, 'expired');
    assert.equal((await store.sessions.get(retrieved.id))!.state, 'expired');
    assert.equal((await store.sessions.get(live.id))!.state, 'offer_created');
    assert.equal((await store.sessions.get(redeemed.id))!.state, 'token_exchanged');
    assert.deepEqual((await store.maintenance.expireEnded(now, from, 'expired', 500)).filter((e) => ours.has(e.id)), [], 'a second run finds nothing of ours');

    const counts = await store.maintenance.countSessionsByState();
    assert.ok((counts.expired ?? 0) >= 2 && (counts.token_exchanged ?? 0) >= 1 && (counts.offer_created ?? 0) >= 1, JSON.stringify(counts));
  });

  it('expires sessions whose wallet stopped after the offer: authorization, code, tokens or deferred transaction ran out; never while something is still live', async () => {
    const store = ctx.store();
    const now = OLD + 160 * DAY;
    const requested = { credentialConfigurationIds: ['x'], detailsRequested: false, scope: null };
    const s = (state: SessionRecord['state']) => session({ createdAt: now - DAY, offerExpiresAt: now - HOUR, state });
    const authDead = s('authorization_requested');
    const authLive = s('authorization_requested');
    const codeDead = s('authorization_granted');
    const tokensDead = s('token_exchanged');
    const tokensRefreshable = s('token_exchanged');
    const tokensLive = s('token_exchanged');
    const deferredDead = s('deferred');
    const deferredLive = s('deferred');
    const requestDead = s('request_retrieved');
    const all = [authDead, authLive, codeDead, tokensDead, tokensRefreshable, tokensLive, deferredDead, deferredLive, requestDead];
    for (const x of all) await store.sessions.create(x);

    const authRequest = (sessionId: string, expiresAt: number) => ({
      id: uid('ar'), requestUriHash: null, sessionId, clientId: 'c', redirectUri: 'https://wallet.example/cb', state: null, codeChallenge: 'cc',
      dpopJkt: null, requestUriExpiresAt: null, requestUriUsedAt: null, csrfHash: null, expiresAt, decidedAt: null, createdAt: now - DAY, ...requested,
    });
    await store.authorizations.createRequest(authRequest(authDead.id, now - HOUR));
    await store.authorizations.createRequest(authRequest(authLive.id, now - HOUR));
    await store.authorizations.createRequest(authRequest(authLive.id, now + HOUR));
    await store.authorizations.createCode({
      codeHash: uid('code'), sessionId: codeDead.id, authorizationRequestId: uid('ar'), clientId: 'c', redirectUri: 'https://wallet.example/cb',
      codeChallenge: 'cc', dpopJkt: null, familyId: uid('fam'), expiresAt: now - 1, consumedAt: null, createdAt: now - HOUR, ...requested,
    });
    const token = (sessionId: string, expiresAt: number) => ({
      tokenHash: uid('tok'), sessionId, grantType: 'authorization_code' as const, authorizationDetails: [],
      detailsReturned: false, anonymous: false, clientId: 'c', dpopJkt: null, expiresAt, createdAt: expiresAt - HOUR, grantId: null,
    });
    for (const x of [tokensDead, tokensRefreshable, tokensLive]) await store.tokens.create(token(x.id, now - HOUR));
    await store.tokens.create(token(tokensLive.id, now + HOUR));
    await store.refreshTokens.create({
      tokenHash: uid('rt'), familyId: uid('fam'), sessionId: tokensRefreshable.id, clientId: 'c', dpopJkt: null, expiresAt: now + DAY,
      createdAt: now - HOUR, rotatedAt: null, revokedAt: null, ...requested,
    });
    await store.refreshTokens.create({
      tokenHash: uid('rt'), familyId: uid('fam'), sessionId: tokensDead.id, clientId: 'c', dpopJkt: null, expiresAt: now + DAY,
      createdAt: now - HOUR, rotatedAt: null, revokedAt: now - HOUR, ...requested,
    });
    const transaction = (sessionId: string, expiresAt: number) => ({
      transactionIdHash: uid('tx'), sessionId, credentialConfigurationId: 'x', credentialIdentifier: null, holderKeys: [], createdAt: now - DAY, expiresAt, deliveredAt: null,
    });
    await store.transactions.create(transaction(deferredDead.id, now - HOUR));
    await store.transactions.create(transaction(deferredLive.id, now + HOUR));

    const from = ['authorization_requested', 'authorization_granted', 'token_exchanged', 'deferred', 'created', 'request_retrieved'] as const;
    const ours = new Set(all.map((x) => x.id));
    const expired = (await store.maintenance.expireEnded(now, from, 'expired', 500)).filter((e) => ours.has(e.id));
    const reasons = Object.fromEntries(expired.map((e) => [e.id, e.reason]));
    assert.deepEqual(reasons, {
      [authDead.id]: 'authorization_expired',
      [codeDead.id]: 'authorization_code_expired',
      [tokensDead.id]: 'access_token_expired',
      [deferredDead.id]: 'transaction_expired',
      [requestDead.id]: 'request_expired',
    });
    assert.equal(expired.find((e) => e.id === tokensDead.id)!.endedAt, now - HOUR);
    for (const x of [authLive, tokensRefreshable, tokensLive, deferredLive]) assert.equal((await store.sessions.get(x.id))!.state, x.state, `${x.state} with something live stays`);
    for (const x of [authDead, codeDead, tokensDead, deferredDead, requestDead]) assert.equal((await store.sessions.get(x.id))!.state, 'expired');

    const notAllowed = (await store.maintenance.expireEnded(now + 2 * HOUR, ['deferred'], 'expired', 500)).filter((e) => ours.has(e.id));
    assert.deepEqual(notAllowed.map((e) => e.id), [deferredLive.id], 'only the states asked for');
  });

  it('stops between batches when asked to', async () => {
    const store = ctx.store();
    const now = OLD + 200 * 24 * HOUR;
    for (let i = 0; i < 6; i++) await store.nonces.create(uid('n'), now - 2 * HOUR, now - 3 * HOUR, null);
    const abort = new AbortController();
    abort.abort();
    const counts = await store.maintenance.purge({ expiredGraceMs: HOUR, logsMaxAgeMs: DAY, sessionsMaxAgeMs: DAY, batchSize: 2 }, now, abort.signal);
    assert.ok(Object.values(counts).every((n) => n === 0));
    const done = await store.maintenance.purge({ expiredGraceMs: HOUR, logsMaxAgeMs: DAY, sessionsMaxAgeMs: DAY, batchSize: 2 }, now);
    assert.ok(done.nonces >= 6);
  });
};

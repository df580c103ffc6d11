import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ContractCase } from './harness.js';
import { T0, uid } from './harness.js';
import { event, log, session, writes } from './fixtures.js';

export const logAndEventCases: ContractCase = (ctx) => {
  it('writes logs and events of a request in one batch and lists them in id order, paginated', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    const logs = Array.from({ length: 7 }, (_, i) => log(s.id, T0 + i, { level: i % 3 === 0 ? 'error' : 'info' }));
    const events = [event(s.id, 'offer_created', T0), event(s.id, 'token_exchanged', T0 + 5)];
    await ctx.store().write(writes({ logs, events }));

    const asc = await ctx.store().logs.list(s.id, { limit: 100, offset: 0 });
    assert.equal(asc.total, 7);
    assert.deepEqual(asc.items, logs, 'rows round-trip, JSON data included');
    const desc = await ctx.store().logs.list(s.id, { limit: 3, offset: 1, order: 'desc' });
    assert.deepEqual(desc.items.map((l) => l.id), logs.map((l) => l.id).reverse().slice(1, 4));
    assert.equal(desc.total, 7);
    const errors = await ctx.store().logs.list(s.id, { level: ['error'], limit: 100, offset: 0 });
    assert.deepEqual(errors.items.map((l) => l.id), [logs[0].id, logs[3].id, logs[6].id]);
    const after = await ctx.store().logs.list(s.id, { limit: 100, offset: 0, afterId: logs[4].id });
    assert.deepEqual(after.items.map((l) => l.id), [logs[5].id, logs[6].id]);

    const ev = await ctx.store().events.list(s.id, { limit: 1, offset: 1 });
    assert.equal(ev.total, 2);
    assert.deepEqual(ev.items, [events[1]]);
  });

  it('keeps unbound request logs apart and hands them to a session on rebind', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    const requestId = uid('req');
    const unbound = log(null, T0, { requestId, endpoint: 'nonce' });
    await ctx.store().write(writes({ logs: [unbound] }));
    const free = await ctx.store().logs.list(null, { limit: 1000, offset: 0, afterId: unbound.id.slice(0, 9) });
    assert.ok(free.items.some((l) => l.id === unbound.id));
    await ctx.store().write(writes({ logs: [log(s.id, T0 + 1)], rebind: [{ requestId, sessionId: s.id }] }));
    const mine = await ctx.store().logs.list(s.id, { limit: 100, offset: 0 });
    assert.deepEqual(mine.items.map((l) => l.id).sort(), [unbound.id, mine.items.find((l) => l.id !== unbound.id)!.id].sort());
    const stillFree = await ctx.store().logs.list(null, { limit: 1000, offset: 0, afterId: unbound.id.slice(0, 9) });
    assert.ok(!stillFree.items.some((l) => l.id === unbound.id));
  });

  it('changes state only from an allowed state (compare-and-set)', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    await ctx.store().write(writes({ transitions: [{ sessionId: s.id, from: ['token_exchanged'], to: 'credential_issued', at: T0 + 1 }] }));
    assert.equal((await ctx.store().sessions.get(s.id))!.state, 'offer_created', 'wrong from-state: no change');
    await ctx.store().write(writes({ transitions: [{ sessionId: s.id, from: ['offer_created', 'offer_retrieved'], to: 'token_exchanged', at: T0 + 2 }] }));
    const after = await ctx.store().sessions.get(s.id);
    assert.equal(after!.state, 'token_exchanged');
    assert.equal(after!.updatedAt, T0 + 2);
  });

  it('records issued credentials with the batch', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    const issued = {
      id: uid('cred'),
      sessionId: s.id,
      credentialConfigurationId: 'x',
      credentialIdentifier: null,
      format: 'dc+sd-jwt',
      holderKeyThumbprint: 'thumb',
      keySource: 'jwk',
      credentialDigest: 'digest',
      issuedAt: T0,
      expiresAt: T0 + 1000,
    };
    await ctx.store().write(writes({ issued: [issued] }));
    assert.deepEqual(await ctx.store().credentials.listBySession(s.id), [issued]);
  });

  it('fails only the bad write of a group, its neighbours commit', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    const good = log(s.id, T0 + 10);
    const dup = log(s.id, T0 + 11);
    await ctx.store().write(writes({ logs: [dup] }));
    const results = await Promise.allSettled([ctx.store().write(writes({ logs: [good] })), ctx.store().write(writes({ logs: [dup] }))]);
    assert.equal(results[0].status, 'fulfilled');
    assert.equal(results[1].status, 'rejected', 'a duplicate id is refused');
    const ids = (await ctx.store().logs.list(s.id, { limit: 10, offset: 0 })).items.map((l) => l.id);
    assert.deepEqual(ids.sort(), [good.id, dup.id].sort());
  });
};

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { StoreChange } from '../../../src/store/store.js';
import type { ContractCase } from './harness.js';
import { eventually, T0 } from './harness.js';
import { event, log, session, writes } from './fixtures.js';

export const changesCases: ContractCase = (ctx) => {
  const collect = (store = ctx.store()) => {
    const seen: StoreChange[] = [];
    const stop = store.changes.subscribe((c) => seen.push(c));
    return { seen, stop };
  };
  const logIdsOf = (seen: StoreChange[], sessionId: string) => seen.flatMap((c) => c.logs.filter((l) => l.sessionId === sessionId).map((l) => l.id));

  it('delivers committed logs, events and transitions to subscribers, after the commit', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    const { seen, stop } = collect();
    const l = log(s.id);
    const e = event(s.id, 'token_exchanged');
    let committedFirst = false;
    const unsub = ctx.store().changes.subscribe(() => {
      // The write's promise resolves after the commit; by delivery time the rows are readable.
      void ctx.store().logs.list(s.id, { limit: 10, offset: 0 }).then((p) => (committedFirst = p.items.some((x) => x.id === l.id)));
    });
    await ctx.store().write(writes({ logs: [l], events: [e], transitions: [{ sessionId: s.id, from: ['offer_created'], to: 'token_exchanged', at: T0 }] }));
    await eventually(() => committedFirst, 'rows readable when the change is delivered');
    const mine = seen.filter((c) => c.logs.some((x) => x.id === l.id));
    assert.equal(mine.length, 1);
    assert.deepEqual(mine[0].logs.find((x) => x.id === l.id), l);
    assert.deepEqual(mine[0].events.find((x) => x.id === e.id), e);
    assert.ok(mine[0].transitions.some((t) => t.sessionId === s.id && t.to === 'token_exchanged'));
    assert.notEqual(mine[0].remote, true);
    stop();
    unsub();
    await ctx.store().write(writes({ logs: [log(s.id, T0 + 1)] }));
    assert.equal(logIdsOf(seen, s.id).length, 1, 'no delivery after unsubscribe');
  });

  it('group-commits writes of the same turn: one transaction, one change, every promise after it', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    const { seen, stop } = collect();
    const logs = Array.from({ length: 10 }, (_, i) => log(s.id, T0 + 100 + i));
    await Promise.all(logs.map((l) => ctx.store().write(writes({ logs: [l] }))));
    const carrying = seen.filter((c) => c.logs.some((l) => l.sessionId === s.id));
    assert.equal(carrying.length, 1, 'the ten writes went out as one commit');
    assert.deepEqual(logIdsOf(carrying, s.id).sort(), logs.map((l) => l.id).sort());
    stop();
  });

  it('delivers one instance’s commits to the other instance, once, in commit order, and its own only locally', async (t) => {
    if (!ctx.crossInstanceFeed) {
      // Stated, not silent: SQLite is one process's file, there is no other instance to tell.
      t.skip(`${ctx.name}: one instance only, no cross-instance feed`);
      return;
    }
    const a = ctx.store();
    const b = ctx.second()!;
    const s = session();
    await a.sessions.create(s);
    const onA = collect(a);
    const onB = collect(b);
    const first = log(s.id, T0 + 1);
    const second = [log(s.id, T0 + 2), log(s.id, T0 + 3)];
    const ev = event(s.id, 'credential_issued', T0 + 3);
    await a.write(writes({ logs: [first] }));
    await a.write(writes({ logs: second, events: [ev], transitions: [{ sessionId: s.id, from: ['token_exchanged'], to: 'credential_issued', at: T0 + 3 }] }));
    const fromB = log(s.id, T0 + 4);
    await b.write(writes({ logs: [fromB] }));
    const all = [first.id, ...second.map((l) => l.id), fromB.id];
    await eventually(() => logIdsOf(onB.seen, s.id).length >= 4 && logIdsOf(onA.seen, s.id).length >= 4, 'both instances saw four logs');
    // Let a stray duplicate show up if there were one.
    await b.sessions.get(s.id);
    await a.sessions.get(s.id);
    // Each instance sees every log once. Remote commits keep their commit order; a local
    // commit is delivered at once, so it may overtake a remote one still being fetched.
    assert.deepEqual([...logIdsOf(onB.seen, s.id)].sort(), [...all].sort(), 'B: each log once');
    assert.deepEqual([...logIdsOf(onA.seen, s.id)].sort(), [...all].sort(), 'A: each log once');
    const remoteOnB = onB.seen.filter((c) => c.remote);
    assert.deepEqual(logIdsOf(remoteOnB, s.id), all.slice(0, 3), 'B: A’s commits, in commit order');
    assert.deepEqual(logIdsOf(onA.seen.filter((c) => c.remote), s.id), [fromB.id], 'A: only B’s commit came from afar');
    assert.deepEqual(remoteOnB.flatMap((c) => c.events.map((e) => e.id)), [ev.id]);
    assert.deepEqual(remoteOnB.flatMap((c) => c.events), [ev], 'rows fetched whole');
    assert.ok(remoteOnB.some((c) => c.transitions.some((x) => x.sessionId === s.id && x.to === 'credential_issued')));
    assert.deepEqual(remoteOnB.flatMap((c) => c.logs).find((l) => l.id === first.id), first);
    onA.stop();
    onB.stop();
  });

  it('tells the other instance which unbound entries a commit moved into a session', async (t) => {
    if (!ctx.crossInstanceFeed) {
      t.skip(`${ctx.name}: one instance only, no cross-instance feed`);
      return;
    }
    const s = session();
    await ctx.store().sessions.create(s);
    const onB = collect(ctx.second()!);
    const requestId = `req_${s.id}`;
    await ctx.store().write(writes({ logs: [log(s.id, T0 + 7)], rebind: [{ requestId, sessionId: s.id }] }));
    await eventually(() => logIdsOf(onB.seen, s.id).length >= 1, 'B saw the commit');
    assert.deepEqual(onB.seen.filter((c) => c.remote).flatMap((c) => c.rebound ?? []).filter((r) => r.sessionId === s.id), [{ requestId, sessionId: s.id }]);
    onB.stop();
  });

  it('carries a commit too large for one notification to the other instance completely', async (t) => {
    if (!ctx.crossInstanceFeed) {
      t.skip(`${ctx.name}: one instance only, no cross-instance feed`);
      return;
    }
    const s = session();
    await ctx.store().sessions.create(s);
    const onB = collect(ctx.second()!);
    // ~600 ids of ~19 characters: beyond PostgreSQL's 8000-byte NOTIFY payload.
    const logs = Array.from({ length: 600 }, (_, i) => log(s.id, T0 + 1000 + i));
    await ctx.store().write(writes({ logs }));
    await eventually(() => logIdsOf(onB.seen, s.id).length >= 600, 'B saw all 600 logs');
    assert.deepEqual(logIdsOf(onB.seen, s.id), logs.map((l) => l.id));
    assert.ok(onB.seen.filter((c) => c.remote).length >= 2, 'split over several notifications');
    onB.stop();
  });
};

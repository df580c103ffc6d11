import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ContractCase } from './harness.js';
import { T0, uid } from './harness.js';
import { session } from './fixtures.js';

export const sessionCases: ContractCase = (ctx) => {
  it('stores a session and reads it back by id and by offer id, JSON and epoch ms intact', async () => {
    const s = session({ offer: { credential_issuer: 'https://i.example', grants: { a: { 'pre-authorized_code': 'x' } }, n: 1.5 } });
    await ctx.store().sessions.create(s);
    assert.deepEqual(await ctx.store().sessions.get(s.id), s);
    assert.deepEqual(await ctx.store().sessions.getByOfferId(s.offerId), s);
    const got = await ctx.store().sessions.get(s.id);
    assert.equal(typeof got!.createdAt, 'number');
  });

  it('returns null for an unknown session or offer', async () => {
    assert.equal(await ctx.store().sessions.get(uid('ses')), null);
    assert.equal(await ctx.store().sessions.getByOfferId(uid('off')), null);
  });

  it('counts offer fetches atomically and returns null when the session is gone', async () => {
    const s = session();
    await ctx.store().sessions.create(s);
    const counts = await Promise.all(Array.from({ length: 10 }, () => ctx.store().sessions.recordOfferFetch(s.id, T0 + 1)));
    assert.deepEqual([...counts].sort((a, b) => a! - b!), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(await ctx.store().sessions.recordOfferFetch(uid('ses'), T0), null);
  });

  it('lists sessions newest first with state, configuration and time filters and pagination', async () => {
    // A configuration id unique to this run, so other cases' sessions do not count.
    const cfg = `cfg_${uid('x')}`;
    const made = [];
    for (let i = 0; i < 5; i++) {
      const s = session({ createdAt: T0 + i * 1000, credentialConfigurationIds: [cfg, 'other'], state: i % 2 ? 'token_exchanged' : 'offer_created' });
      await ctx.store().sessions.create(s);
      made.push(s);
    }
    const all = await ctx.store().sessions.list({ credentialConfigurationId: cfg, limit: 10, offset: 0 });
    assert.equal(all.total, 5);
    assert.deepEqual(all.items.map((s) => s.id), made.map((s) => s.id).reverse());
    const page = await ctx.store().sessions.list({ credentialConfigurationId: cfg, limit: 2, offset: 2 });
    assert.equal(page.total, 5);
    assert.deepEqual(page.items.map((s) => s.id), [made[2].id, made[1].id]);
    const byState = await ctx.store().sessions.list({ credentialConfigurationId: cfg, state: 'token_exchanged', limit: 10, offset: 0 });
    assert.deepEqual(byState.items.map((s) => s.id), [made[3].id, made[1].id]);
    const range = await ctx.store().sessions.list({ credentialConfigurationId: cfg, createdAfter: T0 + 1000, createdBefore: T0 + 3000, limit: 10, offset: 0 });
    assert.deepEqual(range.items.map((s) => s.id), [made[2].id, made[1].id]);
  });

  it('matches a configuration id exactly: no prefix, no wildcard, case-sensitive', async () => {
    const base = `pid_${uid('x').slice(4)}`;
    const s = session({ credentialConfigurationIds: [`${base}_mdoc`] });
    await ctx.store().sessions.create(s);
    const ids = async (cfg: string) => (await ctx.store().sessions.list({ credentialConfigurationId: cfg, limit: 10, offset: 0 })).items.map((x) => x.id);
    assert.deepEqual(await ids(`${base}_mdoc`), [s.id]);
    assert.deepEqual(await ids(`${base}Xmdoc`), [], '_ must not act as a wildcard');
    assert.deepEqual(await ids(`${base}_MDOC`), [], 'matching is case-sensitive');
    assert.deepEqual(await ids(`${base}_md`), [], 'a prefix is not a match');
  });
};

import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { ContractCase } from './harness.js';
import { OLD, T0, uid } from './harness.js';

export const testPlanRunCases: ContractCase = (ctx) => {
  it('keeps a run with its cases, found by id and by its wallet link hash, on every instance', async () => {
    const run = {
      id: uid('run'),
      planId: 'oid4vci-core',
      planVersion: '1',
      walletTokenHash: uid('hash'),
      cases: [
        { caseId: 'a', sessionId: uid('ses'), txCodeSealed: null },
        { caseId: 'b', sessionId: uid('ses'), txCodeSealed: 'sealed-value' },
      ],
      createdAt: T0,
      expiresAt: T0 + 86_400_000,
    };
    await ctx.store().testPlanRuns.create(run);
    const reader = ctx.second() ?? ctx.store();
    assert.deepEqual(await reader.testPlanRuns.get(run.id), run);
    assert.deepEqual(await reader.testPlanRuns.getByWalletToken(run.walletTokenHash), run);
    assert.equal(await reader.testPlanRuns.get(uid('run')), null);
    assert.equal(await reader.testPlanRuns.getByWalletToken(uid('hash')), null);
    await assert.rejects(ctx.store().testPlanRuns.create({ ...run, id: uid('run') }), 'a wallet link hash is unique');
    const newer = { ...run, id: uid('run'), walletTokenHash: uid('hash'), createdAt: T0 + 1 };
    await ctx.store().testPlanRuns.create(newer);
    const recent = await reader.testPlanRuns.listRecent(2);
    assert.deepEqual(recent.map((r) => r.id), [newer.id, run.id], 'newest first');
  });

  it('keeps report links; retention removes expired runs and links', async () => {
    const s = ctx.store();
    const link = { tokenHash: uid('share'), runId: uid('run'), createdAt: T0, expiresAt: T0 + 60_000 };
    await s.testPlanRuns.createShare(link);
    assert.deepEqual(await (ctx.second() ?? s).testPlanRuns.getShare(link.tokenHash), link);
    assert.equal(await s.testPlanRuns.getShare(uid('share')), null);

    const old = { id: uid('run'), planId: 'p', planVersion: '1', walletTokenHash: uid('hash'), cases: [], createdAt: OLD, expiresAt: OLD + 1000 };
    const oldLink = { tokenHash: uid('share'), runId: old.id, createdAt: OLD, expiresAt: OLD + 1000 };
    await s.testPlanRuns.create(old);
    await s.testPlanRuns.createShare(oldLink);
    await s.maintenance.purge({ expiredGraceMs: 1000, logsMaxAgeMs: 10 * 365 * 86_400_000, sessionsMaxAgeMs: 10 * 365 * 86_400_000, batchSize: 100 }, OLD + 10_000);
    assert.equal(await s.testPlanRuns.get(old.id), null);
    assert.equal(await s.testPlanRuns.getShare(oldLink.tokenHash), null);
    assert.notEqual(await s.testPlanRuns.getShare(link.tokenHash), null, 'a live link stays');
  });
};

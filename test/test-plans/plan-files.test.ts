import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultConfigurationsPath, loadCredentialConfigurations } from '../../src/credential-configurations/load.js';
import { defaultTestPlansDir, loadTestPlans } from '../../src/test-plans/plan.js';
import { startIssuer } from '../helpers/server.js';

const shipped = loadCredentialConfigurations(defaultConfigurationsPath);
const known = new Set(shipped.byId.keys());

test('the shipped plans load, and the core plan offers every shipped credential configuration', () => {
  const plans = loadTestPlans([defaultTestPlansDir], known);
  assert.deepEqual(plans.map((p) => p.plan_id).sort(), ['haip-pid-wallet', 'legacy-drafts', 'oid4vci-core', 'robustness']);
  const core = plans.find((p) => p.plan_id === 'oid4vci-core')!;
  const offered = new Set(core.cases.flatMap((c) => c.offer.credential_configuration_ids));
  assert.deepEqual([...known].filter((id) => !offered.has(id)), []);
  for (const plan of plans) for (const c of plan.cases) for (const x of c.expectations) assert.match(x.requirement, /§|Appendix|RFC/, `${plan.plan_id}/${c.case_id}/${x.id} names its requirement`);
});

test('an operator plan directory adds plans; every problem of a bad file is listed with its path', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plans-'));
  try {
    const good = { plan_id: 'mine', name: 'Mine', version: '2', cases: [{ case_id: 'a', title: 'A', offer: { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'] }, expectations: [{ kind: 'credential_issued', requirement: 'OID4VCI 1.0 §8.3' }] }] };
    writeFileSync(join(dir, 'mine.json'), JSON.stringify(good));
    const plans = loadTestPlans([defaultTestPlansDir, dir], known);
    assert.equal(plans.find((p) => p.plan_id === 'mine')?.cases[0].expectations[0].id, 'credential_issued');

    const bad = { ...good, plan_id: 'oid4vci-core', cases: [{ ...good.cases[0], offer: { credential_configuration_ids: ['nope'] }, expectations: [{ kind: 'credential_issued', requirement: 'x §1' }, { kind: 'credential_issued', requirement: 'x §1' }] }] };
    writeFileSync(join(dir, 'mine.json'), JSON.stringify(bad));
    writeFileSync(join(dir, 'typo.json'), JSON.stringify({ ...good, plan_id: 'typo', cases: [{ ...good.cases[0], expectations: [{ kind: 'wallet_is_nice', requirement: 'x §1' }] }] }));
    assert.throws(() => loadTestPlans([defaultTestPlansDir, dir], known), (e: Error) => {
      assert.match(e.message, /mine\.json: plan_id: oid4vci-core is already defined/);
      assert.match(e.message, /mine\.json: cases\.0\.offer\.credential_configuration_ids: unknown credential configuration nope/);
      assert.match(e.message, /mine\.json: cases\.0\.expectations\.1: duplicate expectation id credential_issued/);
      assert.match(e.message, /typo\.json: cases\.0\.expectations\.0\.kind: /);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a bad plan file in TEST_PLANS_DIR stops the boot with the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'plans-'));
  writeFileSync(join(dir, 'broken.json'), '{ "plan_id": ');
  try {
    await assert.rejects(startIssuer({ env: { TEST_PLANS_DIR: dir } }), (e: Error) => {
      assert.match(e.message, /exited with/);
      assert.match(e.message, /Test plans:[\s\S]*broken\.json: .*JSON/);
      return true;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

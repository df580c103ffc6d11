import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * `npm run wallet -- present '<openid4vp url>'`: the reference wallet, holding a PID SD-JWT VC
 * and a PID mdoc it received from this issuer, presents what the request's DCQL query asks for,
 * and the verifier judges it verified with the requested claims only.
 */

let issuer: RunningIssuer;
let store: string;

function wallet(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts', ...args, '--insecure', '--json', '--store', store], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

before(async () => {
  issuer = await startIssuer();
  store = mkdtempSync(join(tmpdir(), 'issuance-lab-present-'));
  for (const id of ['eu.europa.ec.eudi.pid_vc_sd_jwt', 'eu.europa.ec.eudi.pid_mdoc']) {
    const offer = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [id] });
    const run = await wallet([offer.body.offer_url]);
    assert.equal(run.code, 0, run.stderr);
  }
});
after(async () => {
  await issuer?.stop();
  issuer?.cleanup();
  if (store) rmSync(store, { recursive: true, force: true });
});

describe('reference wallet: present', () => {
  for (const [preset, format] of [['pid_sd_jwt', 'dc+sd-jwt'], ['pid_mdoc', 'mso_mdoc']] as const) {
    it(`presents the stored credential matching ${preset}, verified with the requested claims`, async () => {
      const created = await admin(issuer, 'POST', '/presentation_requests', { preset });
      const run = await wallet(['present', created.body.request_url]);
      assert.equal(run.code, 0, run.stderr + run.stdout);
      const summary = JSON.parse(run.stdout);
      assert.equal(summary.ok, true);
      assert.equal(summary.presented[0].format, format);
      const session = await admin(issuer, 'GET', `/sessions/${created.body.session_id}`);
      assert.equal(session.body.state, 'verified', JSON.stringify(session.body.result));
      assert.equal(session.body.result.credentials[0].format, format);
      assert.ok(!session.body.logs.some((l: any) => l.data?.code === 'vp.claims.not_requested'), 'only requested claims disclosed');
    });
  }

  it('picks one option of a credential set (pid_any) and fails cleanly when nothing matches', async () => {
    const any = await admin(issuer, 'POST', '/presentation_requests', { preset: 'pid_any', response_mode: 'direct_post' });
    const run = await wallet(['present', any.body.request_url]);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).presented.length, 1);
    assert.equal((await admin(issuer, 'GET', `/sessions/${any.body.session_id}`)).body.state, 'verified');
    const mdl = await admin(issuer, 'POST', '/presentation_requests', { preset: 'mdl_driving_privileges' });
    const none = await wallet(['present', mdl.body.request_url]);
    assert.equal(none.code, 1);
    assert.match(none.stdout, /no stored credential satisfies the query/);
  });
});

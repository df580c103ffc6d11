import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { decodeQr, launchChromium, signIn } from '../helpers/browser.js';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * The dashboard's "Test your wallet" in real chromium: start a run, see the checklist and the
 * first case's QR code (decoded as a phone would), watch verdicts appear while the reference
 * wallet works through the run link, then open the read-only report.
 */

let issuer: RunningIssuer;
let browser: Browser;
let page: Page;
const store = mkdtempSync(join(tmpdir(), 'plan-browser-wallet-'));
before(async () => {
  issuer = await startIssuer();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
});
after(async () => {
  await browser.close();
  await issuer.stop();
  issuer.cleanup();
  rmSync(store, { recursive: true, force: true });
});

it('starts a run, shows the checklist with QR codes, follows the verdicts live and opens the shared report', async () => {
  await signIn(page, issuer);
  await page.click('[data-testid=nav-test-plans]');
  await page.click('[data-plan=oid4vci-core] [data-testid=start-run]');
  await page.waitForSelector('[data-testid=run-status][data-state=running]');
  const runId = await page.getAttribute('[data-testid=test-plan-run]', 'data-run');
  const runUrl = (await page.textContent('[data-testid=run-url] code'))!.trim();
  // One case at a time: only the first case shows its offer.
  await page.goto(`${issuer.baseUrl}/ui/test_plan_runs/${runId}?sequence=1&follow=0`);
  assert.equal((await page.$$('[data-testid=case-qr]')).length, 1);
  assert.ok(await page.$('[data-testid=run-case]:first-child [data-testid=case-qr]'));
  assert.equal((await page.$$('[data-testid=case-waiting]')).length, (await page.$$('[data-testid=run-case]')).length - 1);
  // A page that does not reload itself, for the checks below.
  await page.goto(`${issuer.baseUrl}/ui/test_plan_runs/${runId}?follow=0`);
  const cases = await page.$$eval('[data-testid=run-case]', (els) => els.map((e) => ({ id: e.getAttribute('data-case'), verdict: e.getAttribute('data-verdict') })));
  assert.ok(cases.length >= 5);
  assert.ok(cases.every((c) => c.verdict === 'not_reached'));
  const firstLink = await page.textContent('[data-testid=run-case]:first-child [data-testid=case-offer-url]');
  assert.equal(await decodeQr(page, '[data-testid=run-case]:first-child [data-testid=case-qr] svg'), firstLink?.trim());
  assert.ok(await page.$('[data-case=tx-code-numeric] [data-testid=case-tx-code]'), 'a tx_code case shows its code');

  const wallet = spawn(process.execPath, ['--import', 'tsx', 'src/wallet/cli.ts', 'plan', runUrl, '--insecure', '--json', '--store', store], { stdio: 'ignore' });
  const exited = new Promise((resolve) => wallet.once('exit', resolve));

  // The live page: verdicts appear in place over the run's stream, without a reload.
  await page.goto(`${issuer.baseUrl}/ui/test_plan_runs/${runId}`);
  await page.waitForSelector('body.live-connected');
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
  await page.waitForSelector('[data-testid=run-case][data-verdict=pass]', { timeout: 60_000 });
  await page.waitForSelector('[data-testid=run-status][data-state=finished]', { timeout: 90_000 });
  await exited;
  assert.equal(await page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload), true, 'no reload: the verdicts came over the stream');
  const verdicts = await page.$$eval('[data-testid=run-case]', (els) => els.map((e) => e.getAttribute('data-verdict')));
  assert.ok(verdicts.every((v) => v === 'pass'), verdicts.join(','));
  assert.equal(await page.$('[data-testid=case-qr]'), null, 'no QR code once every case is judged');
  const evidence = await page.getAttribute('[data-testid=expectation] td:last-child a', 'href');
  assert.match(evidence ?? '', /\/ui\/sessions\/ses_[^#]+#log-/);

  await page.click('[data-testid=share-run]');
  const shareUrl = (await page.getAttribute('[data-testid=share-url] a', 'href'))!;
  const shared = await (await browser.newContext()).newPage();
  await shared.goto(shareUrl);
  await shared.waitForSelector('[data-testid=run-status][data-state=finished]');
  const html = await shared.content();
  assert.ok(!html.includes('openid-credential-offer'), 'the report holds no offer');
  assert.equal(await shared.$('[data-testid=case-tx-code]'), null);
  assert.equal(await shared.$('[data-testid=share-run]'), null, 'read-only');
  assert.ok((await shared.$$('[data-testid=run-case][data-verdict=pass]')).length === verdicts.length);
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { runReferenceWalletPresentation } from '../../src/wallet/run-child.js';
import { join } from 'node:path';
import { decodeQr, launchChromium, openLiveSessionPage, screenshotDir, signIn, stillSamePage } from '../helpers/browser.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * The verifier in the dashboard, in headless Debian chromium against the real issuer process:
 * a request created from a preset shows its QR code; the verification session page follows the
 * reference wallet (a real child process: issuance, then presentation) live, up to the
 * disclosed claims; a typed DCQL query is validated; share links stay read-only.
 */

const shots = screenshotDir();
let issuer: RunningIssuer;
let browser: Browser;
let page: Page;

before(async () => {
  issuer = await startIssuer();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
  await signIn(page, issuer);
});
after(async () => {
  await browser?.close();
  await issuer?.stop();
  issuer?.cleanup();
});

async function createFromPreset(preset: string): Promise<{ requestUrl: string; sessionId: string }> {
  await page.goto(`${issuer.baseUrl}/ui/presentations/new`);
  await page.check(`input[name=preset][value="${preset}"]`);
  await page.click('#presentation-form button[type=submit]');
  await page.waitForSelector('[data-testid=request-qr] svg');
  const requestUrl = (await page.textContent('[data-testid=request-url]'))!.trim();
  const sessionId = (await page.textContent('[data-testid=session-link]'))!.trim();
  return { requestUrl, sessionId };
}

const issuanceOffer = async (id: string) => (await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: [id] })).body.offer_url as string;

describe('verifier dashboard (headless Chromium)', () => {
  it('creates a request from a preset: the QR code carries the openid4vp:// link; the session page follows the wallet live to the disclosed claims', async () => {
    const { requestUrl, sessionId } = await createFromPreset('pid_sd_jwt');
    assert.match(requestUrl, /^openid4vp:\/\/\?client_id=x509_san_dns%3A.+&request_uri=/);
    assert.equal(await decodeQr(page, '[data-testid=request-qr] svg'), requestUrl, 'the QR code carries the deep link');
    await page.screenshot({ path: join(shots, 'presentation-request.png') });

    await openLiveSessionPage(page, issuer, sessionId);
    assert.equal(await page.textContent('[data-testid=session-state]'), 'created');
    assert.match((await page.textContent('[data-testid=client-id]'))!, /^x509_san_dns:/);
    assert.equal(await page.getAttribute('[data-testid=vp-result]', 'data-verified'), '');

    // The reference wallet (child processes, as a user runs it) gets a PID, then presents it.
    const run = await runReferenceWalletPresentation({ offerUrl: await issuanceOffer('eu.europa.ec.eudi.pid_vc_sd_jwt'), requestUrl, insecure: true, timeoutMs: 120_000 });
    assert.ok(run.issuance.ok && run.presentation?.ok, JSON.stringify(run));

    await page.waitForSelector('[data-testid=vp-result][data-verified=true]');
    assert.equal(await page.textContent('[data-testid=session-state]'), 'verified');
    const claims = JSON.parse((await page.textContent('[data-testid=vp-credential][data-query=pid] [data-testid=disclosed-claims] pre'))!);
    assert.deepEqual(Object.keys(claims).sort(), ['birthdate', 'family_name', 'given_name']);
    assert.equal(claims.family_name, 'Mustermann');
    const events = await page.$$eval('#events .event-type', (tds) => tds.map((td) => td.textContent));
    for (const e of ['request_created', 'request_retrieved', 'response_received', 'presentation_verified']) assert.ok(events.includes(e), `${e} in ${events.join(', ')}`);
    assert.ok(await page.$$eval('[data-testid=vp-check][data-status=pass]', (l) => l.length) > 5, 'the checks that passed are listed');
    assert.ok(await stillSamePage(page), 'updated in place, not reloaded');
    await page.evaluate(() => document.querySelectorAll('[data-testid=vp-credential] details').forEach((d) => ((d as HTMLDetailsElement).open = true)));
    await page.screenshot({ path: join(shots, 'verification-session.png'), fullPage: true });
    // The sessions list shows it as a presentation with its client id and outcome.
    await page.goto(`${issuer.baseUrl}/`);
    const row = page.locator(`[data-testid=session-row][data-session="${sessionId}"]`);
    assert.equal(await row.getAttribute('data-outcome'), 'succeeded');
    assert.match((await row.textContent())!, /presentation\s*x509_san_dns:/);
  });

  it('"Present with the reference wallet" issues it matching credentials and presents them (mdoc, direct_post)', async () => {
    await page.goto(`${issuer.baseUrl}/ui/presentations/new`);
    await page.check('input[name=preset][value="pid_mdoc"]');
    await page.check('input[name=response_mode][value="direct_post"]');
    await page.check('input[name=client_id_prefix][value="x509_hash"]');
    await page.click('#presentation-form button[type=submit]');
    await page.waitForSelector('[data-testid=request-qr] svg');
    await page.click('[data-testid=present-form] button[type=submit]');
    await page.waitForSelector('body.live-connected');
    await page.waitForSelector('[data-testid=vp-result][data-verified=true]', { timeout: 150_000 });
    assert.match((await page.textContent('[data-testid=client-id]'))!, /^x509_hash:/);
    const claims = JSON.parse((await page.textContent('[data-testid=vp-credential] [data-testid=disclosed-claims] pre'))!);
    assert.deepEqual(Object.keys(claims['eu.europa.ec.eudi.pid.1']).sort(), ['birth_date', 'family_name', 'given_name']);
    await page.waitForSelector('li.log[data-testid=log-entry]:has-text("Reference wallet presented 1 credential(s)")');
    // The session page runs it again on a twin request (the link was shown once): a session of its own.
    const original = (await page.textContent('[data-testid=session-id]'))!.trim();
    await page.click('[data-testid=present-twin-form] button[type=submit]');
    await page.waitForSelector('[data-testid=vp-result][data-verified=true]', { timeout: 150_000 });
    const twin = (await page.textContent('[data-testid=session-id]'))!.trim();
    assert.notEqual(twin, original);
    assert.match((await page.textContent('[data-testid=client-id]'))!, /^x509_hash:/, 'same options as the original');
    const originalLogs = (await admin(issuer, 'GET', `/sessions/${original}`)).body.logs.map((l: any) => l.message);
    assert.ok(originalLogs.some((m: string) => m.includes(`twin of this request: session ${twin}`)), 'the original session says where the twin went');
  });

  it('validates a typed DCQL query and names the problem; the fault switches of the form reach the session', async () => {
    await page.goto(`${issuer.baseUrl}/ui/presentations/new`);
    await page.fill('#dcql-query', '{"credentials": [');
    assert.match((await page.textContent('#dcql-query-status'))!, /Not valid JSON/);
    assert.equal(await page.isChecked('input[name=source][value=dcql]'), true, 'typing selects the typed query');
    await page.fill('#dcql-query', JSON.stringify({ credentials: [{ id: 'pid', format: 'dc+sd-jwt', claims: [{ path: ['given_name'] }] }] }));
    await page.click('#presentation-form button[type=submit]');
    assert.match((await page.textContent('[data-testid=flash]'))!, /meta\.vct_values is required/);
    await page.fill('#dcql-query', JSON.stringify({ credentials: [{ id: 'pid', format: 'dc+sd-jwt', meta: { vct_values: ['urn:eudi:pid:1'] }, claims: [{ path: ['given_name'], values: ['Erika'] }] }] }));
    await page.check('input[name=require_encrypted_response]');
    await page.check('input[name=reject_first_response]');
    await page.click('#presentation-form button[type=submit]');
    await page.waitForSelector('[data-testid=request-qr] svg');
    await page.click('[data-testid=session-link]');
    const switches = await page.$$eval('[data-testid=faults] [data-fault]', (els) => els.map((e) => e.getAttribute('data-fault')));
    assert.deepEqual(switches, ['reject_first_response', 'require_encrypted_response']);
  });

  it('a share link of a verification session is read-only and holds no request_uri', async () => {
    const { requestUrl, sessionId } = await createFromPreset('pid_sd_jwt');
    await page.goto(`${issuer.baseUrl}/ui/sessions/${sessionId}`);
    await page.click('button:has-text("Create read-only share link")');
    const shareUrl = (await page.getAttribute('[data-testid=share-url] a', 'href'))!;
    const shared = await (await fetch(shareUrl)).text();
    assert.match(shared, /read-only shared view/);
    assert.doesNotMatch(shared, /name="csrf"/);
    const token = new URL(requestUrl).searchParams.get('request_uri')!.split('/').pop()!;
    assert.ok(!shared.includes(token), 'the request_uri token is not on the shared page');
    const present = await fetch(`${issuer.baseUrl}/ui/sessions/${sessionId}/present`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ request_url: requestUrl }).toString(), redirect: 'manual' });
    assert.equal(present.status, 401, 'the reference wallet button needs the signed-in dashboard');
  });
});

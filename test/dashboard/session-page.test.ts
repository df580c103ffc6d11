import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchChromium, openLiveSessionPage, screenshotDir, signIn, stillSamePage } from '../helpers/browser.js';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * The session page a wallet developer lives in, in real headless Chromium against the real
 * issuer process: what happened at a glance (outcome, counts, last error, wallet) and every part
 * of the page following the live stream. Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const WALLET_UA = 'ExampleWallet/2.1 (test)';
const shots = screenshotDir();

let issuer: RunningIssuer;
let browser: Browser;
let page: Page;

before(async () => {
  issuer = await startIssuer();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  await signIn(page, issuer);
});
after(async () => {
  await browser?.close();
  await issuer?.stop();
  issuer?.cleanup();
});

const ua = { 'user-agent': WALLET_UA };
const text = async (selector: string) => ((await page.textContent(selector)) ?? '').replace(/\s+/g, ' ').trim();

async function refusedProof(offer: Awaited<ReturnType<typeof w.createOffer>>) {
  const token = await w.tokenRequest(issuer, { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) }, ua);
  const accessToken = token.body.access_token as string;
  const key = await w.newHolderKey();
  const badProof = await w.signProof(key, { aud: 'https://not-this-issuer.example', nonce: await w.fetchNonce(issuer) });
  const refused = await w.credentialRequest(issuer, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [badProof] } }, ua);
  assert.equal(refused.body.error, 'invalid_proof');
  return { accessToken, key };
}

describe('session page and list at a glance (headless Chromium)', () => {
  it('header: outcome, counts, wallet, offer fetches, error banner and the issued table follow the stream', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    await openLiveSessionPage(page, issuer, offer.session_id);
    assert.equal(await page.getAttribute('[data-testid=outcome]', 'data-outcome'), 'in_progress');
    assert.equal(await text('[data-testid=offer-fetches]'), '0');
    assert.equal(await page.$('[data-testid=error-banner]'), null);
    assert.equal(await page.$('[data-testid=issued-credentials]'), null);
    // The offer stays reachable from its session page, with what a phone needs said plainly.
    assert.equal(await text('[data-testid=session-offer] [data-testid=offer-url]'), offer.offer_url);
    assert.ok(await page.isVisible('[data-testid=session-offer] [data-testid=offer-qr] svg'));
    assert.match(await text('[data-testid=reachability-warning]'), /plain http.*localhost is this machine.*TLS_CERT and TLS_KEY/);

    // The wallet fetches the offer: the header's fetch count follows.
    assert.equal((await fetch(offer.credential_offer_uri!, { headers: ua })).status, 200);
    await page.waitForSelector('[data-testid=offer-fetches]:text-is("1")');

    const { accessToken, key } = await refusedProof(offer);
    await page.waitForSelector('[data-testid=outcome][data-outcome=refused]');
    assert.equal(await text('[data-testid=outcome]'), 'refused at credential');
    assert.equal(await text('[data-testid=session-state]'), 'token_exchanged', 'the state alone does not say it failed');
    assert.equal(await page.getAttribute('[data-testid=error-count]', 'data-count'), '1');
    assert.match(await text('[data-testid=wallet]'), new RegExp(`${WALLET_UA.replace(/[()]/g, '\\$&')} OID4VCI 1\\.0`));
    const banner = await text('[data-testid=error-banner]');
    assert.match(banner, /refused at credential at credential: .*aud/);
    assert.match(banner, /proof\.jwt\.aud/);
    // The refused request lists its checks too, the failed aud among them, after a reload as live.
    const refusedItem = page.locator('#logs > li[data-level=error]').first();
    await refusedItem.locator(':scope > [data-testid=checks]').waitFor({ state: 'attached' });
    assert.ok(Number(await refusedItem.locator(':scope > [data-testid=checks]').getAttribute('data-failed')) >= 1);
    await page.screenshot({ path: join(shots, 'session-refused.png') });
    // The banner links to the error's own entry.
    await page.click('[data-testid=error-link]');
    const target = await page.evaluate(() => document.querySelector(':target')?.getAttribute('data-level'));
    assert.equal(target, 'error');

    // The wallet fixes its proof: succeeded, the banner turns into "last error", the issued table appears.
    const proof = await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const ok = await w.credentialRequest(issuer, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [proof] } }, ua);
    assert.equal(ok.status, 200);
    await page.waitForSelector('[data-testid=outcome][data-outcome=succeeded]');
    await page.waitForSelector('[data-testid=issued-credential]');
    assert.match(await text('[data-testid=error-banner]'), /^Last error at credential: .*went on after it/);
    assert.equal(await text('[data-testid=session-state]'), 'credential_issued');
    assert.ok(await stillSamePage(page), 'updated in place');
    await page.reload();
    assert.equal(await page.$('[data-testid=session-offer]'), null, 'a redeemed offer is no longer shown to scan');

    // Revoking asks first: dismissed, nothing changes; accepted, the credential is revoked.
    const dialogs: string[] = [];
    page.once('dialog', (d) => (dialogs.push(d.message()), d.dismiss()));
    await page.click('[data-testid=status-form] button[value=revoked]');
    assert.match(dialogs[0], /Revoke this credential\?/);
    assert.equal(await page.getAttribute('[data-testid=credential-status]', 'data-status'), 'valid');
    page.once('dialog', (d) => d.accept());
    await page.click('[data-testid=status-form] button[value=revoked]');
    await page.waitForSelector('[data-testid=credential-status][data-status=revoked]');
  });

  it('sessions list: outcome, counts, last error and wallet per session, live, and the "with errors" filter', async () => {
    const clean = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    const refused = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    await page.goto(`${issuer.baseUrl}/`);
    await page.waitForSelector('body.live-connected');
    await refusedProof(refused);
    const row = page.locator(`[data-testid=session-row][data-session="${refused.session_id}"]`);
    await page.waitForSelector(`[data-testid=session-row][data-session="${refused.session_id}"][data-outcome=refused]`);
    assert.match((await row.locator('[data-testid=outcome]').textContent())!, /refused at credential/);
    assert.equal(await row.locator('[data-testid=error-count]').getAttribute('data-count'), '1');
    assert.match((await row.locator('[data-testid=last-error]').textContent())!, /proof\.jwt\.aud/);
    assert.match((await row.locator('[data-testid=wallet]').textContent())!, /ExampleWallet\/2\.1/);
    const cleanRow = page.locator(`[data-testid=session-row][data-session="${clean.session_id}"]`);
    assert.equal(await cleanRow.getAttribute('data-outcome'), 'in_progress');
    assert.equal(await cleanRow.locator('[data-testid=error-count]').getAttribute('data-count'), '0');
    await page.screenshot({ path: join(shots, 'sessions-list.png') });

    await page.check('[data-testid=with-errors]');
    await page.click('#session-filter button[type=submit]');
    await page.waitForURL(/with_errors=true/);
    const ids = await page.$$eval('[data-testid=session-row]', (rows) => rows.map((r) => r.getAttribute('data-session')));
    assert.ok(ids.includes(refused.session_id));
    assert.ok(!ids.includes(clean.session_id), 'a session without errors is filtered out');
    for (const outcome of await page.$$eval('[data-testid=session-row] [data-testid=error-count]', (els) => els.map((e) => Number(e.getAttribute('data-count'))))) assert.ok(outcome > 0);
  });

  it('log: one item per request with request and response, repeats folded live, request id searchable, milliseconds, counts follow the search', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT], deferred: true });
    await openLiveSessionPage(page, issuer, offer.session_id);
    const token = await w.tokenRequest(issuer, { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) }, ua);
    const accessToken = token.body.access_token as string;
    const proof = await w.signProof(await w.newHolderKey(), { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const deferred = await w.credentialRequest(issuer, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [proof] } }, ua);
    assert.equal(deferred.status, 202);
    const poll = () =>
      fetch(`${issuer.baseUrl}/deferred_credential`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', ...ua },
        body: JSON.stringify({ transaction_id: deferred.body.transaction_id }),
      });
    let lastPollId = '';
    for (let i = 0; i < 5; i++) {
      const res = await poll();
      assert.equal(res.status, 202);
      lastPollId = res.headers.get('x-request-id')!;
      await page.waitForSelector(`[data-testid=request-id]:text-is("${lastPollId}")`);
    }
    // Five polls with the same answer: one item on top, the four older folded into it.
    const top = page.locator('#logs > li').first();
    assert.equal(await top.locator(':scope > .log-head [data-testid=request-id]').textContent(), lastPollId);
    assert.match((await top.locator(':scope > [data-testid=repeats] > summary').textContent())!, /×5 /);
    assert.equal(await page.locator('#logs > li > .log-head .endpoint:text-is("deferred_credential")').count(), 1, 'one visible item for the five polls');
    assert.ok(await stillSamePage(page));

    // One item per request: method, path, status, duration, wallet, time with milliseconds.
    const credentialItem = page.locator(`#logs > li[data-request="${deferred.headers.get('x-request-id')}"]`);
    const head = (await credentialItem.locator(':scope > .log-head').textContent())!.replace(/\s+/g, ' ');
    assert.match(head, /\d\d:\d\d:\d\d\.\d{3} UTC.*POST credential \/credential 202 [\d.]+ ms ExampleWallet\/2\.1/);
    // The response as the wallet got it, with secrets fingerprinted: the token response never shows the token.
    const tokenItem = page.locator(`#logs > li[data-request="${token.headers.get('x-request-id')}"]`);
    await tokenItem.locator('[data-testid=response] summary').click();
    const tokenResponse = (await tokenItem.locator('[data-testid=response] pre').textContent())!;
    assert.match(tokenResponse, /"access_token": "<redacted hmac:/);
    assert.ok(!tokenResponse.includes(accessToken), 'no access token in clear');
    assert.match(tokenResponse, /"token_type": "Bearer"/);
    const pageText = await page.content();
    assert.ok(!pageText.includes(accessToken) && !pageText.includes(deferred.body.transaction_id), 'no secret anywhere on the page');

    // Search by request id: only that request, and the level counts follow.
    const before = Number(await text('[data-testid=level-count-debug]'));
    await page.fill('[data-testid=log-search]', token.headers.get('x-request-id')!);
    assert.equal(await page.locator('#logs > li:not([hidden])').count(), 1);
    assert.equal(await text('[data-testid=level-count-debug]'), '1');
    assert.ok(before > 1);
    assert.match(await text('[data-testid=log-shown]'), /^1 of \d+ requests shown$/);
    await page.fill('[data-testid=log-search]', '');
    await page.locator('h2:has-text("Session Logs")').evaluate((h) => h.scrollIntoView());
    await page.screenshot({ path: join(shots, 'session-log-requests.png') });

    // What was verified, not only what failed: the inspector's checks of the request, folded.
    const checks = credentialItem.locator(':scope > [data-testid=checks]');
    assert.ok(Number(await checks.getAttribute('data-passed')) >= 5, 'the proof checks that passed are listed');
    assert.equal(await checks.getAttribute('data-failed'), '0');
    await checks.locator('summary').click();
    assert.ok(await checks.locator('li[data-status=pass] code:text-matches("aud")').count() >= 1, 'the aud check is among the passed ones');

    // The proof opens in the inspector, pre-filled (through the URL fragment).
    const link = credentialItem.locator('[data-testid=inspect-link][data-kind=proof]');
    const href = (await link.getAttribute('href'))!;
    assert.ok(href.startsWith('/inspect#'));
    const inspector = await page.context().newPage();
    await inspector.goto(`${issuer.baseUrl}${href}`);
    assert.equal(await inspector.inputValue('#value'), proof);
    assert.equal(await inspector.inputValue('#kind'), 'proof');
    await inspector.close();
  });

  it('links the unbound requests of the same client around the session, and a refused request carrying its code lands on it', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    // The wallet's first attempt: a code it mangled, so nothing ties it to the session.
    const stray = await w.tokenRequest(issuer, { grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': `${w.preAuthorizedCode(offer)}-mangled` }, ua);
    assert.equal(stray.status, 400);
    // Then the right code, but as JSON: refused, yet it carries the session's code.
    const asJson = await fetch(`${issuer.baseUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ua },
      body: JSON.stringify({ grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code', 'pre-authorized_code': w.preAuthorizedCode(offer) }),
    });
    assert.equal(asJson.status, 400);
    await page.goto(`${issuer.baseUrl}/ui/sessions/${offer.session_id}`);
    assert.equal(await page.getAttribute('[data-testid=outcome]', 'data-outcome'), 'refused');
    assert.ok(await page.isVisible(`#logs > li[data-request="${asJson.headers.get('x-request-id')}"]`), 'the JSON token request is on the session page');
    const link = page.locator(`[data-testid=nearby-link]:text-is("${stray.headers.get('x-request-id')}")`);
    await link.click();
    await page.waitForSelector('h1:has-text("Unbound requests")');
    assert.equal(await page.locator('#logs > li:not([hidden])').count(), 1);
    assert.equal(await page.getAttribute('#logs > li:not([hidden])', 'data-request'), stray.headers.get('x-request-id'));
  });
});

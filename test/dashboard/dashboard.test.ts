import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { decodeQr, launchChromium, openLiveSessionPage as openLive, screenshotDir, stillSamePage as samePage } from '../helpers/browser.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import { createTestWallet, newWalletKey, type WalletKey } from '../helpers/openid4vc-wallet.js';
import * as w from '../helpers/wallet.js';

/**
 * The dashboard in real headless Chromium (Debian `chromium`, driven by playwright-core) against
 * the real issuer process, with wallet flows run by the real @openid4vc/openid4vci client while
 * the session page is open. Screenshots go to docs/screenshots/ with UPDATE_SCREENSHOTS=1.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const shots = screenshotDir();

let issuer: RunningIssuer;
let browser: Browser;
let page: Page;

before(async () => {
  issuer = await startIssuer();
  browser = await launchChromium();
  page = await (await browser.newContext({ viewport: { width: 1200, height: 900 } })).newPage();
});
after(async () => {
  await browser?.close();
  await issuer.stop();
  issuer.cleanup();
});

/** The wallet side, through the library, up to the credential request's response. */
async function walletUntilCredential(offerUrl: string, key: WalletKey) {
  const { client } = createTestWallet([key]);
  const credentialOffer = await client.resolveCredentialOffer(offerUrl);
  const issuerMetadata = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const { accessTokenResponse } = await client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer, issuerMetadata });
  const { c_nonce } = await client.requestNonce({ issuerMetadata });
  const { jwt } = await client.createCredentialRequestJwtProof({
    issuerMetadata,
    credentialConfigurationId: SD_JWT,
    signer: { method: 'jwk', publicJwk: key.publicJwk as never, alg: 'ES256' },
    nonce: c_nonce,
  });
  const accessToken = accessTokenResponse.access_token;
  const result = await client.retrieveCredentials({ issuerMetadata, accessToken, credentialConfigurationId: SD_JWT, proofs: { jwt: [jwt] } });
  return { client, issuerMetadata, accessToken, result };
}

const openLiveSessionPage = (sessionId: string) => openLive(page, issuer, sessionId);
const stillSamePage = () => samePage(page);

describe('dashboard (headless Chromium)', () => {
  it('signs in with the admin token: wrong token refused, right token opens the sessions list', async () => {
    await page.goto(`${issuer.baseUrl}/`);
    await page.fill('input[name=token]', 'wrong-token-wrong-token');
    await page.click('button[type=submit]');
    assert.match(await page.textContent('[data-testid=flash]') ?? '', /not the admin token/);
    await page.fill('input[name=token]', issuer.adminToken);
    await page.click('button[type=submit]');
    await page.waitForSelector('h1:has-text("Sessions")');
    const cookies = await page.context().cookies();
    const session = cookies.find((c) => c.name === 'il_dashboard');
    assert.ok(session?.httpOnly, 'HttpOnly cookie');
    assert.equal(session?.sameSite, 'Strict');
    assert.equal(await page.evaluate(() => document.cookie), '', 'not readable by scripts');
  });

  it('creates an offer in the form and shows a QR code that decodes to the deep link, plus the tx_code', async () => {
    await page.goto(`${issuer.baseUrl}/ui/offers/new`);
    await page.uncheck('input[name=credential_configuration_ids]:checked');
    await page.check(`input[name=credential_configuration_ids][value="${SD_JWT}"]`);
    // The claims editor follows the selection with that configuration's sample claims.
    assert.equal(JSON.parse(await page.inputValue('#offer-claims')).vct, undefined);
    assert.equal(JSON.parse(await page.inputValue('#offer-claims')).family_name, 'Mustermann');
    await page.fill('#offer-claims', '{"given_name": ');
    assert.match(await page.textContent('#offer-claims-status') ?? '', /Not valid JSON/);
    await page.fill('#offer-claims', JSON.stringify({ given_name: 'Only' }));
    await page.click('#offer-form button[type=submit]');
    // Claims are validated against the configuration: the form comes back with the problems.
    assert.match(await page.textContent('[data-testid=flash]') ?? '', /family_name/);
    await page.fill('#offer-claims', '');
    await page.check('input[name=tx_code]');
    await page.click('#offer-form button[type=submit]');
    await page.waitForSelector('[data-testid=offer-qr] svg');
    const offerUrl = (await page.textContent('[data-testid=offer-url]'))!.trim();
    assert.match(offerUrl, /^openid-credential-offer:\/\/\?credential_offer_uri=/);
    assert.match((await page.textContent('[data-testid=tx-code]'))!, /^\d{6}$/);
    assert.equal(await decodeQr(page, '[data-testid=offer-qr] svg'), offerUrl, 'the QR code carries the deep link');
    await page.screenshot({ path: join(shots, 'offer-created.png') });
    await page.click('[data-testid=session-link]');
    await page.waitForSelector('[data-testid=session-state]');
    assert.equal(await page.textContent('[data-testid=session-state]'), 'offer_created');
  });

  it('shows the logs, events and state of a wallet flow on the open session page as they happen, without reload', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    await openLiveSessionPage(offer.session_id);
    const before = Number(await page.textContent('[data-testid=log-count]'));
    const { result } = await walletUntilCredential(offer.offer_url, await newWalletKey());
    assert.equal(result.response.status, 200);
    await page.waitForSelector('[data-testid=event-row] .event-type:has-text("credential_issued")');
    await page.waitForSelector('[data-testid=session-state]:has-text("credential_issued")');
    const types = await page.$$eval('[data-testid=event-row] .event-type', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(types, ['credential_issued', 'token_exchanged', 'offer_retrieved', 'offer_created'], 'newest first');
    const endpoints = await page.$$eval('[data-testid=log-entry] .endpoint', (cells) => cells.map((c) => c.textContent));
    for (const e of ['credential_offer', 'token', 'nonce', 'credential']) assert.ok(endpoints.includes(e), `log entries of ${e}`);
    assert.ok(Number(await page.textContent('[data-testid=log-count]')) > before);
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=timeline-step]').length >= 5);
    const steps = await page.$$eval('[data-testid=timeline-step] .step-label', (cells) => cells.map((c) => c.textContent));
    assert.deepEqual(steps, ['offer created', 'credential_offer', 'token', 'nonce', 'credential']);
    assert.ok(await stillSamePage(), 'updated in place');
    // Expandable JSON data and the level filter.
    await page.click('[data-testid=log-entry] details summary');
    assert.ok(await page.isVisible('[data-testid=log-entry] details[open] pre.json'));
    await page.uncheck('#level-filter input[value=debug]');
    assert.equal(await page.$$eval('[data-testid=log-entry][data-level=debug]', (els) => els.filter((e) => !(e as HTMLElement).hidden).length), 0);
    await page.check('#level-filter input[value=debug]');
  });

  it('shows a refused proof as an error entry with its diagnostic and a spec reference link', async () => {
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    await openLiveSessionPage(offer.session_id);
    const accessToken = await w.redeem(issuer, offer);
    const key = await w.newHolderKey();
    const proof = await w.signProof(key, { aud: `${issuer.baseUrl}/credential`, nonce: await w.fetchNonce(issuer) });
    const res = await w.credentialRequest(issuer, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [proof] } });
    assert.equal(res.body.error, 'invalid_proof');
    const entry = page.locator('[data-testid=log-entry][data-level=error]', { hasText: 'proof.jwt.aud' });
    await entry.waitFor();
    const spec = entry.locator('[data-testid=spec-ref]');
    assert.equal(await spec.textContent(), 'OID4VCI 1.0 Appendix F.1');
    assert.equal(await spec.getAttribute('href'), 'https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#appendix-F.1');
    assert.match((await entry.locator('.diag').textContent())!, /expected aud = "http:\/\/localhost:\d+".*help Set aud to the credential_issuer/);
    // The timeline is re-rendered at most five times a second for all viewers: it may follow the entry.
    await page.waitForSelector('#timeline li.failed');
    assert.ok(await stillSamePage());
    // The request's response, as the wallet got it.
    await entry.locator('[data-testid=response] summary').click();
    assert.match((await entry.locator('[data-testid=response] pre.json').textContent())!, /"error": "invalid_proof"/);
    await page.locator('h2:has-text("Session Logs")').evaluate((h) => h.scrollIntoView());
    await page.screenshot({ path: join(shots, 'session-logs.png') });
  });

  it('supplies claims for a deferred session from the form, and the wallet receives the credential with them', async () => {
    await page.goto(`${issuer.baseUrl}/ui/offers/new`);
    await page.uncheck('input[name=credential_configuration_ids]:checked');
    await page.check(`input[name=credential_configuration_ids][value="${SD_JWT}"]`);
    await page.check('input[name=deferred]');
    assert.ok(await page.isDisabled('#offer-claims'), 'claims come later for deferred offers');
    await page.click('#offer-form button[type=submit]');
    const offerUrl = (await page.textContent('[data-testid=offer-url]'))!.trim();
    await page.click('[data-testid=session-link]');
    await page.waitForSelector('body.live-connected');

    const key = await newWalletKey();
    const { client, issuerMetadata, accessToken, result } = await walletUntilCredential(offerUrl, key);
    assert.equal(result.response.status, 202);
    const transactionId = result.credentialResponse.transaction_id!;
    await page.waitForSelector('[data-testid=session-state]:has-text("deferred")');
    assert.equal((await client.retrieveDeferredCredentials({ issuerMetadata, accessToken, transactionId })).response.status, 202);

    const claims = JSON.parse(await page.inputValue('#claims-json'));
    claims.given_name = 'Dashboard';
    await page.fill('#claims-json', JSON.stringify(claims, null, 2));
    await page.click('#claims-form button[type=submit]');
    assert.match((await page.textContent('[data-testid=flash]'))!, /1 waiting deferred transaction/);

    const ready = await client.retrieveDeferredCredentials({ issuerMetadata, accessToken, transactionId });
    assert.equal(ready.response.status, 200);
    const credential = (ready.deferredCredentialResponse.credentials as { credential: string }[])[0].credential;
    const disclosed = credential.split('~').slice(1).filter(Boolean).map((d) => JSON.parse(Buffer.from(d, 'base64url').toString()));
    assert.ok(disclosed.some((d) => d[1] === 'given_name' && d[2] === 'Dashboard'));
    await page.waitForSelector('[data-testid=session-state]:has-text("credential_issued")');
    const steps = await page.$$eval('[data-testid=timeline-step]', (els) => els.map((e) => e.textContent!.replace(/\s+/g, ' ').trim()));
    assert.ok(steps.includes('deferred_credential 202'), JSON.stringify(steps));
    assert.ok(steps.includes('claims supplied'));
    assert.ok(steps.includes('deferred_credential 200'));
    await page.screenshot({ path: join(shots, 'session-page.png'), fullPage: false });
    const session = (await admin(issuer, 'GET', `/sessions/${await page.textContent('[data-testid=session-id]')}`)).body;
    assert.equal(session.state, 'credential_issued');
  });

  it('lists sessions live: a session created elsewhere appears without reload', async () => {
    await page.goto(`${issuer.baseUrl}/`);
    await page.waitForSelector('body.live-connected');
    const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
    await page.waitForSelector(`[data-testid=session-row] a[href$="${offer.session_id}"]`);
  });

  it('leaves the process log clean: the pages and streams above logged no warning with a stack', () => {
    // Viewing a session page, a share page or a stream once logged "Reply was already sent" each time.
    const log = issuer.output();
    assert.doesNotMatch(log, /already sent/i);
    assert.doesNotMatch(log, /"stack"/);
    assert.doesNotMatch(log, /"level":(50|60)/);
  });
});

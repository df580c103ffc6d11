import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { authorizationCodeOffer, authorizationParams, CLIENT_ID, codeTokenForm, newPkce, postForm } from '../helpers/oauth.js';

/**
 * A person in a real browser (Debian's chromium, headless) clicks through the login/consent
 * page: picks "Edit the claims", changes the given name, consents. The browser is redirected to
 * a loopback "wallet" on 127.0.0.1, which hands the code to the token endpoint; the issued
 * SD-JWT carries the edited name.
 */

const CONFIG = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
let issuer: RunningIssuer;
let browser: Browser;
let walletServer: Server;
let redirectUri: string;
const callbacks: URL[] = [];

before(async () => {
  issuer = await startIssuer();
  walletServer = createServer((req, res) => {
    const url = new URL(req.url ?? '/', redirectUri);
    if (url.pathname === '/cb') callbacks.push(url); // not the browser's /favicon.ico
    res.writeHead(200, { 'content-type': 'text/plain' }).end('wallet got the authorization response');
  });
  await new Promise<void>((resolve) => walletServer.listen(0, '127.0.0.1', resolve));
  const address = walletServer.address();
  redirectUri = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/cb`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu'],
  });
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => walletServer?.close(resolve));
  await issuer?.stop();
  issuer?.cleanup();
});

describe('browser: the login/consent page', () => {
  it('a person edits the claims and consents; the wallet receives code, state and iss, and the credential carries the edit', async () => {
    const offer = await authorizationCodeOffer(issuer);
    const pkce = newPkce();
    const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, pkce.challenge, { redirect_uri: redirectUri }));
    assert.equal(par.status, 201, JSON.stringify(par.body));

    const page = await browser.newPage();
    await page.goto(`${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`);
    assert.equal(await page.title(), 'Sign in and consent - issuance-lab');
    await page.getByLabel('Edit the claims (JSON below)').check();
    const editor = page.locator(`textarea[name="claims.${CONFIG}"]`);
    const shown = JSON.parse(await editor.inputValue());
    await editor.fill(JSON.stringify({ ...shown, given_name: 'Grace' }, null, 2));
    await Promise.all([page.waitForURL((url) => url.href.startsWith(redirectUri)), page.getByRole('button', { name: 'Consent and continue' }).click()]);
    await page.close();

    assert.equal(callbacks.length, 1);
    const response = callbacks[0];
    assert.equal(response.searchParams.get('state'), 'st-42');
    assert.equal(response.searchParams.get('iss'), issuer.baseUrl);
    const code = response.searchParams.get('code');
    assert.ok(code);

    const tokenResponse = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(code, pkce.verifier, { redirect_uri: redirectUri }));
    assert.equal(tokenResponse.status, 200, JSON.stringify(tokenResponse.body));
    const holder = await w.newHolderKey();
    const proof = await w.signProof(holder, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const credential = await w.credentialRequest(issuer, tokenResponse.body.access_token, { credential_configuration_id: CONFIG, proofs: { jwt: [proof] } });
    assert.equal(credential.status, 200, credential.text);
    const disclosed = (credential.body.credentials[0].credential as string)
      .split('~')
      .slice(1)
      .filter(Boolean)
      .map((d) => JSON.parse(Buffer.from(d, 'base64url').toString('utf8')));
    assert.ok(disclosed.some((d) => d[1] === 'given_name' && d[2] === 'Grace'), JSON.stringify(disclosed));
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openAuthorization, parseConsentForm, submitConsent } from '../helpers/consent-page.js';
import { authorizationCodeOffer, authorizationParams, CLIENT_ID, newPkce, postForm, REDIRECT_URI } from '../helpers/oauth.js';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';

/**
 * The authorization endpoint must not send a browser to a URI that a link merely names (RFC 9700
 * §4.11): wallets are unregistered public clients, so only the redirect_uri of a pushed request
 * (and, after the consent page showed it, the decision's redirect) is trusted. Everything else
 * is answered with the error page, over a real socket, with PAR required and without.
 */

const EVIL = 'https://evil.example/phish';

async function expectErrorPage(url: string) {
  const page = await openAuthorization(url);
  assert.equal(page.location, null, `no redirect for ${url}`);
  assert.ok(page.status >= 400 && page.status < 500, `status ${page.status}`);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.ok(!page.html.includes(EVIL.replace('https://', '')), 'the page does not link the untrusted URI');
  return page;
}

for (const parRequired of [true, false]) {
  describe(`GET /authorize is no open redirector (PAR_REQUIRED=${parRequired})`, () => {
    let issuer: RunningIssuer;
    before(async () => {
      issuer = await startIssuer({ env: { PAR_REQUIRED: String(parRequired), RATE_LIMIT_PER_MINUTE: '0' } });
    });
    after(async () => {
      await issuer?.stop();
      issuer?.cleanup();
    });

    it('shows the error page for a bare client_id, redirect_uri and state (no PAR, no issuer_state)', async () => {
      await expectErrorPage(`${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: 'x', redirect_uri: EVIL, state: 's' })}`);
      await expectErrorPage(`${issuer.baseUrl}/authorize?${new URLSearchParams({ response_type: 'code', client_id: 'x', redirect_uri: EVIL, state: 's', issuer_state: 'made-up' })}`);
    });

    it('shows the error page for a well-formed request with an evil redirect_uri and a broken parameter', async () => {
      const offer = await authorizationCodeOffer(issuer);
      const issuerState = offer.credential_offer.grants.authorization_code.issuer_state;
      const broken = authorizationParams(issuerState, newPkce().challenge, { redirect_uri: EVIL, response_type: 'token' });
      await expectErrorPage(`${issuer.baseUrl}/authorize?${new URLSearchParams(broken)}`);
      const noPkce = authorizationParams(issuerState, newPkce().challenge, { redirect_uri: EVIL });
      delete (noPkce as Record<string, string | undefined>).code_challenge;
      await expectErrorPage(`${issuer.baseUrl}/authorize?${new URLSearchParams(noPkce)}`);
    });

    it('still redirects to the redirect_uri of a pushed request when the person denies on the consent page', async () => {
      const offer = await authorizationCodeOffer(issuer);
      const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, newPkce().challenge));
      assert.equal(par.status, 201);
      const url = `${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`;
      const page = await openAuthorization(url);
      assert.equal(page.status, 200);
      const denied = await submitConsent(url, parseConsentForm(page.html), { decision: 'deny' });
      assert.equal(denied.status, 303);
      const location = new URL(denied.location!);
      assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
      assert.equal(location.searchParams.get('error'), 'access_denied');
    });
  });
}

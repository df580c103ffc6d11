import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';
import { authorizationCodeOffer, authorizationParams, CLIENT_ID, codeTokenForm, newPkce, postForm } from '../helpers/oauth.js';
import { openAuthorization, parseConsentForm, submitConsent } from '../helpers/consent-page.js';

/**
 * Claims an operator put on an offer are what the holder gets: the consent page shows them
 * without an editor or other personas, and a forged form that picks "custom" or "sample" is
 * refused with consent.claims.locked (nothing decided, the offer's claims issued afterwards).
 * `claims_editable: true` on the offer gives the holder the editor back. Over a real socket.
 */

const ID = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const alice = {
  given_name: 'Alice',
  family_name: 'Example',
  birthdate: '1990-05-01',
  place_of_birth: { country: 'FR', locality: 'Lyon' },
  nationalities: ['FR', 'DE'],
  issuing_authority: 'Alice Test Authority',
  issuing_country: 'FR',
  date_of_expiry: '2035-04-30',
  age_equal_or_over: { '18': true },
};
const mallory = { ...alice, given_name: 'Mallory', family_name: 'Attacker' };

/** given_name as disclosed in an SD-JWT VC (the disclosure [salt, name, value] that names it). */
function disclosedGivenName(credential: string): unknown {
  for (const part of credential.split('~').slice(1)) {
    if (!part) continue;
    const disclosure = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (disclosure[1] === 'given_name') return disclosure[2];
  }
  return undefined;
}

describe('claims set on an offer cannot be replaced at the consent page', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer({ env: { RATE_LIMIT_PER_MINUTE: '0' } });
  });
  after(async () => {
    await issuer?.stop();
    issuer?.cleanup();
  });

  /** The consent page of an authorization code offer, through PAR. */
  const openPageFor = async (issuerState: string) => {
    const pkce = newPkce();
    const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(issuerState, pkce.challenge));
    assert.equal(par.status, 201);
    const url = `${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`;
    const page = await openAuthorization(url);
    assert.equal(page.status, 200);
    return { pkce, url, page };
  };
  const openPage = async (offerExtra: Record<string, unknown>) => {
    const offer = await authorizationCodeOffer(issuer, offerExtra);
    return { offer, ...(await openPageFor(offer.credential_offer.grants.authorization_code.issuer_state)) };
  };
  /** An authorization code offer made with the dashboard's form (claims prefilled there), its consent page. */
  const openPageOfDashboardOffer = async (claimsEditable: boolean) => {
    const signIn = await fetch(`${issuer.baseUrl}/ui/sign-in`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${issuer.adminToken}` });
    const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0];
    const csrf = /name="csrf" value="([^"]+)"/.exec(await (await fetch(`${issuer.baseUrl}/ui/offers/new`, { headers: { cookie } })).text())![1];
    const form = { credential_configuration_ids: ID, grant: 'authorization_code', by_reference: 'on', claims: JSON.stringify(alice), csrf, ...(claimsEditable ? { claims_editable: 'on' } : {}) };
    const created = await fetch(`${issuer.baseUrl}/ui/offers`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form).toString() });
    assert.equal(created.status, 201);
    const offerUri = decodeURIComponent(/credential_offer_uri=([^"&]+)/.exec(await created.text())![1]);
    const offer = (await (await fetch(offerUri)).json()) as { grants: { authorization_code: { issuer_state: string } } };
    return openPageFor(offer.grants.authorization_code.issuer_state);
  };
  const issuedGivenName = async (location: string, verifier: string) => {
    const code = new URL(location).searchParams.get('code')!;
    const token = await postForm(`${issuer.baseUrl}/token`, codeTokenForm(code, verifier));
    assert.equal(token.status, 200, JSON.stringify(token.body));
    const proof = await w.signProof(await w.newHolderKey(), { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) });
    const res = await w.credentialRequest(issuer, token.body.access_token, { credential_configuration_id: ID, proofs: { jwt: [proof] } });
    assert.equal(res.status, 200, res.text);
    return disclosedGivenName(res.body.credentials[0].credential);
  };

  it('shows the offer claims only, refuses a forged "custom" or "sample" choice, and issues the offer claims', async () => {
    const { offer, pkce, url, page } = await openPage({ claims: alice });
    const form = parseConsentForm(page.html);
    assert.deepEqual(form.personas[ID].options, ['offer'], 'no other persona is offered');
    assert.equal(form.claimsText[ID], undefined, 'no claims editor');
    assert.match(page.html, /The offer fixes these claims/);

    for (const persona of ['custom', 'sample']) {
      const forged = await submitConsent(url, form, { persona: { [ID]: persona }, override: { [`claims.${ID}`]: JSON.stringify(mallory) } });
      assert.equal(forged.status, 400, `persona ${persona}`);
      assert.match(forged.html, /fixes the claims/);
    }
    const logs = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?level=error`)).body.logs;
    assert.equal(logs.filter((l: { data: { code: string } }) => l.data.code === 'consent.claims.locked').length, 2);

    const allowed = await submitConsent(url, form, { persona: { [ID]: 'offer' } });
    assert.equal(allowed.status, 303, allowed.html.slice(0, 300));
    assert.equal(await issuedGivenName(allowed.location!, pkce.verifier), 'Alice');
  });

  it('does the same for an offer made with the dashboard form, whose checkbox sets claims_editable', async () => {
    const fixed = parseConsentForm((await openPageOfDashboardOffer(false)).page.html);
    assert.deepEqual(fixed.personas[ID].options, ['offer']);
    const editable = parseConsentForm((await openPageOfDashboardOffer(true)).page.html);
    assert.ok(editable.personas[ID].options.includes('custom'));
  });

  it('lets the holder edit the claims when the offer says claims_editable: true', async () => {
    const { pkce, url, page } = await openPage({ claims: alice, claims_editable: true });
    const form = parseConsentForm(page.html);
    assert.ok(form.personas[ID].options.includes('custom'));
    assert.ok(form.claimsText[ID] !== undefined, 'the claims editor is there');
    const edited = await submitConsent(url, form, { persona: { [ID]: 'custom' }, claims: { [ID]: mallory } });
    assert.equal(edited.status, 303, edited.html.slice(0, 300));
    assert.equal(await issuedGivenName(edited.location!, pkce.verifier), 'Mallory');
  });
});

import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, SignJWT } from 'jose';
import type { RunningIssuer } from './server.js';
import { newHolderKey, type HolderKey } from './wallet.js';
import { consentThroughPage, type ConsentChoice } from './consent-page.js';
import { admin } from './server.js';

/**
 * Hand-made OAuth requests for negative tests of the authorization code flow: PAR, the
 * authorization page, the token endpoint and DPoP proofs with exactly the mistake a test wants.
 * Happy paths go through @openid4vc/openid4vci instead (test/oauth/authorization-code.test.ts).
 */

export const CLIENT_ID = 'negative-test-wallet';
export const REDIRECT_URI = 'https://wallet.example.org/cb';

export function newPkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export interface ProofOptions {
  htm?: string;
  htu: string;
  nonce?: string;
  accessToken?: string;
  jti?: string;
  iat?: number;
  typ?: string;
  omitAth?: boolean;
}

export async function dpopProof(key: HolderKey, o: ProofOptions): Promise<string> {
  const claims: Record<string, unknown> = { htm: o.htm ?? 'POST', htu: o.htu, jti: o.jti ?? randomUUID() };
  if (o.nonce) claims.nonce = o.nonce;
  if (o.accessToken && !o.omitAth) claims.ath = createHash('sha256').update(o.accessToken).digest('base64url');
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', typ: o.typ ?? 'dpop+jwt', jwk: key.publicJwk })
    .setIssuedAt(o.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}

export const jkt = (key: HolderKey) => calculateJwkThumbprint(key.publicJwk);

export async function postForm(url: string, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form).toString() });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
}

export async function authorizationCodeOffer(issuer: RunningIssuer, extra: Record<string, unknown> = {}) {
  const res = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { authorization_code: true }, ...extra });
  if (res.status !== 201) throw new Error(`offer: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { session_id: string; credential_offer: { grants: { authorization_code: { issuer_state: string } } } };
}

export function authorizationParams(issuerState: string, challenge: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    response_type: 'code',
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    scope: 'eu.europa.ec.eudi.pid_vc_sd_jwt',
    state: 'st-42',
    issuer_state: issuerState,
    ...extra,
  };
}

/** Offer → PAR (optionally with a DPoP proof) → authorization page → consent → code. */
export async function obtainCode(issuer: RunningIssuer, opts: { parDpopKey?: HolderKey; offer?: Record<string, unknown>; consent?: ConsentChoice } = {}) {
  const offer = await authorizationCodeOffer(issuer, opts.offer);
  const pkce = newPkce();
  const headers: Record<string, string> = opts.parDpopKey ? { dpop: await dpopProof(opts.parDpopKey, { htu: `${issuer.baseUrl}/par` }) } : {};
  const par = await postForm(`${issuer.baseUrl}/par`, authorizationParams(offer.credential_offer.grants.authorization_code.issuer_state, pkce.challenge), headers);
  if (par.status !== 201) throw new Error(`par: ${par.status} ${JSON.stringify(par.body)}`);
  const url = `${issuer.baseUrl}/authorize?${new URLSearchParams({ client_id: CLIENT_ID, request_uri: par.body.request_uri })}`;
  const location = new URL(await consentThroughPage(url, opts.consent));
  return { offer, pkce, code: location.searchParams.get('code')!, location, requestUri: par.body.request_uri as string, authorizationUrl: url };
}

export function codeTokenForm(code: string, verifier: string, extra: Record<string, string> = {}): Record<string, string> {
  return { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: REDIRECT_URI, client_id: CLIENT_ID, ...extra };
}

export { newHolderKey };

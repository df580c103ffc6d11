import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type JWTHeaderParameters } from 'jose';
import type { RunningIssuer } from './server.js';
import { admin } from './server.js';

/**
 * A deliberately small hand-made wallet for negative tests: it lets a test send exactly the
 * broken request it wants. Happy paths go through real wallet libraries instead.
 */
export interface HolderKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function newHolderKey(alg = 'ES256'): Promise<HolderKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: await exportJWK(publicKey) };
}

export async function createOffer(issuer: RunningIssuer, body: Record<string, unknown> = {}) {
  const res = await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], ...body });
  if (res.status !== 201) throw new Error(`offer creation failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as {
    session_id: string;
    offer_id: string;
    credential_offer: any;
    credential_offer_uri?: string;
    offer_url: string;
    tx_code?: string;
  };
}

export function preAuthorizedCode(offer: { credential_offer: any }): string {
  return offer.credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];
}

export async function tokenRequest(issuer: RunningIssuer, form: Record<string, string>, headers: Record<string, string> = {}) {
  const res = await fetch(`${issuer.baseUrl}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

export async function redeem(issuer: RunningIssuer, offer: { credential_offer: any; tx_code?: string }): Promise<string> {
  const form: Record<string, string> = {
    grant_type: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
    'pre-authorized_code': preAuthorizedCode(offer),
  };
  if (offer.tx_code) form.tx_code = offer.tx_code;
  const res = await tokenRequest(issuer, form);
  if (res.status !== 200) throw new Error(`token failed: ${JSON.stringify(res.body)}`);
  return res.body.access_token;
}

export async function fetchNonce(issuer: RunningIssuer): Promise<string> {
  const res = await fetch(`${issuer.baseUrl}/nonce`, { method: 'POST' });
  return ((await res.json()) as { c_nonce: string }).c_nonce;
}

export async function signProof(
  key: HolderKey,
  opts: { aud: string; nonce?: string; header?: Partial<JWTHeaderParameters> & Record<string, unknown>; payload?: JWTPayload; iat?: number },
): Promise<string> {
  const header = { alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk: key.publicJwk, ...opts.header } as JWTHeaderParameters;
  for (const [k, v] of Object.entries(header)) if (v === undefined) delete (header as Record<string, unknown>)[k];
  return new SignJWT({ aud: opts.aud, ...(opts.nonce !== undefined ? { nonce: opts.nonce } : {}), ...opts.payload })
    .setProtectedHeader(header)
    .setIssuedAt(opts.iat ?? Math.floor(Date.now() / 1000))
    .sign(key.privateKey);
}

export async function credentialRequest(issuer: RunningIssuer, accessToken: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${issuer.baseUrl}/credential`, {
    method: 'POST',
    headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined, text };
}

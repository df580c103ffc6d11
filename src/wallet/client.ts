/**
 * The @openid4vc/openid4vci client with the reference wallet's callbacks: fetch (each request
 * reported as a step line), hashing and randomness from node:crypto, and JWT signing with the
 * wallet's own keys (binding keys for proofs, a separate key for DPoP).
 */
import { createHash, randomBytes } from 'node:crypto';
import { clientAuthenticationAnonymous, clientAuthenticationNone, Oauth2Client, type CallbackContext, type JwtSigner, type SignJwtCallback } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import type { JWK } from 'jose';
import { didsOf, signEs256, type WalletKey } from './keys.js';
import type { Reporter } from './report.js';

export interface WalletClientOptions {
  keys: WalletKey[];
  reporter: Reporter;
  /** Send no client_id when the AS allows anonymous pre-authorized access, else this one. */
  clientId: string;
  anonymous: boolean;
}

const sameKey = (a: JWK, b: JWK) => a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;

function keyFor(keys: WalletKey[], signer: JwtSigner): WalletKey {
  let key: WalletKey | undefined;
  if (signer.method === 'jwk') key = keys.find((k) => sameKey(k.publicJwk, signer.publicJwk as JWK));
  else if (signer.method === 'did') {
    const did = signer.didUrl.split('#')[0];
    key = keys.find((k) => { const d = didsOf(k.publicJwk); return d.didKey === did || d.didJwk === did; });
  }
  if (!key) throw new Error(`reference wallet: no private key for signer method ${signer.method}`);
  return key;
}

/** How issuers (and this issuer's wallet compatibility matrix) tell the reference wallet apart. */
export const REFERENCE_WALLET_USER_AGENT = 'issuance-lab-reference-wallet/0.1 (@openid4vc/openid4vci 0.4.6)';

function withUserAgent(input: Parameters<typeof fetch>[0], headers: HeadersInit | undefined): Headers {
  const merged = new Headers(input instanceof Request ? input.headers : undefined);
  new Headers(headers).forEach((value, name) => merged.set(name, value));
  if (!merged.has('user-agent')) merged.set('user-agent', REFERENCE_WALLET_USER_AGENT);
  return merged;
}

export function createWalletClient(opts: WalletClientOptions): Openid4vciClient {
  return new Openid4vciClient({ callbacks: walletCallbacks(opts) });
}

/** The plain OAuth 2 client on the same callbacks (used where the OID4VCI wrapper drops `state`). */
export function createOauth2Client(opts: WalletClientOptions): Oauth2Client {
  return new Oauth2Client({ callbacks: walletCallbacks(opts) });
}

function walletCallbacks(opts: WalletClientOptions): Omit<CallbackContext, 'verifyJwt' | 'decryptJwe' | 'encryptJwe'> {
  const signJwt: SignJwtCallback = async (signer, { header, payload }) => {
    if (signer.alg !== 'ES256') throw new Error(`reference wallet: the issuer asks for ${signer.alg}; this wallet signs ES256 only`);
    const key = keyFor(opts.keys, signer);
    return { jwt: signEs256(key.privateKey, header as Record<string, unknown>, payload as Record<string, unknown>), signerJwk: key.publicJwk as never };
  };
  return {
      fetch: async (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const method = init?.method ?? 'GET';
        const res = await fetch(input, { ...init, headers: withUserAgent(input, init?.headers) });
        opts.reporter.http(method, url, res.status);
        return res;
      },
      hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '').toLowerCase()).update(data).digest()),
      generateRandom: (length) => new Uint8Array(randomBytes(length)),
      signJwt,
      clientAuthentication: opts.anonymous ? clientAuthenticationAnonymous() : clientAuthenticationNone({ clientId: opts.clientId }),
  };
}

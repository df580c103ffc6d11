/**
 * The @openid4vc/openid4vci client with the reference wallet's callbacks: fetch (each request
 * reported as a step line), hashing and randomness from node:crypto, and JWT signing with the
 * wallet's own keys (binding keys for proofs, a separate key for DPoP).
 */
import { createHash, randomBytes } from 'node:crypto';
import { clientAuthenticationAnonymous, clientAuthenticationNone, Oauth2Client, type CallbackContext, type JwtSigner, type SignJwtCallback } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { CompactEncrypt, compactDecrypt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { didsOf, signEs256, type WalletKey } from './keys.js';
import type { Reporter } from './report.js';

export interface WalletClientOptions {
  keys: WalletKey[];
  reporter: Reporter;
  /** Send no client_id when the AS allows anonymous pre-authorized access, else this one. */
  clientId: string;
  anonymous: boolean;
  /**
   * When set (flow.ts sets it once the issuer asks for encryption), requests to these endpoints
   * are sent as a JWE to the issuer's request key with a fresh response key, and encrypted
   * responses are decrypted before the library reads them (OID4VCI 1.0 §10).
   */
  encryption?: { current?: CredentialEncryption };
}

export interface CredentialEncryption {
  /** A key of credential_request_encryption.jwks (with kid and alg). */
  issuerKey: JWK;
  enc: string;
  endpoints: string[];
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
        const encryption = opts.encryption?.current;
        if (encryption && method === 'POST' && encryption.endpoints.includes(url) && typeof init?.body === 'string') {
          const res = await encryptedFetch(input, init, encryption);
          opts.reporter.http(method, `${url} (encrypted)`, res.status);
          return res;
        }
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

/**
 * One credential request as OID4VCI 1.0 §10 wants it encrypted: the JSON body gains
 * credential_response_encryption (a fresh ECDH-ES key), travels as a compact JWE to the issuer's
 * request key, and an application/jwt answer is decrypted back to the JSON the library expects.
 */
async function encryptedFetch(input: Parameters<typeof fetch>[0], init: RequestInit, e: CredentialEncryption): Promise<Response> {
  const { publicKey, privateKey } = await generateKeyPair('ECDH-ES', { crv: 'P-256' });
  const responseJwk = { ...(await exportJWK(publicKey)), alg: 'ECDH-ES', use: 'enc' };
  const body = { ...JSON.parse(init.body as string), credential_response_encryption: { jwk: responseJwk, enc: e.enc } };
  const alg = String(e.issuerKey.alg ?? 'ECDH-ES');
  const jwe = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(body)))
    .setProtectedHeader({ alg, enc: e.enc, ...(e.issuerKey.kid ? { kid: e.issuerKey.kid } : {}) })
    .encrypt(await importJWK(e.issuerKey, alg));
  const headers = withUserAgent(input, init.headers);
  headers.set('content-type', 'application/jwt');
  const res = await fetch(input, { ...init, headers, body: jwe });
  if (!/^application\/jwt/i.test(res.headers.get('content-type') ?? '')) return res;
  const { plaintext } = await compactDecrypt((await res.text()).trim(), privateKey);
  const plain = new Headers(res.headers);
  plain.set('content-type', 'application/json');
  plain.delete('content-length');
  return new Response(new TextDecoder().decode(plaintext), { status: res.status, statusText: res.statusText, headers: plain });
}

import { createHash, randomBytes } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { clientAuthenticationAnonymous, clientAuthenticationNone, Oauth2Client, type ClientAuthenticationCallback, type JwtSigner, type SignJwtCallback } from '@openid4vc/oauth2';
import { Openid4vciClient } from '@openid4vc/openid4vci';
import { setGlobalConfig } from '@openid4vc/utils';

/**
 * A thin adapter around the real `@openid4vc/openid4vci` wallet client: holder keys made with
 * jose, the library's callbacks (fetch, hash, random, signJwt) built on jose and node:crypto,
 * and a did:key (P-256, `zDn…`) encoder written here so the test does not trust the issuer's
 * own DID code.
 */

export interface WalletKey {
  privateKey: CryptoKey;
  /** Public members only: kty, crv, x, y. */
  publicJwk: JWK;
  /** did:key:zDn… (multicodec p256-pub 0x1200 + compressed point, base58btc). */
  did: string;
  /** did:key:zDn…#zDn… — the verification method id. */
  didUrl: string;
}

export async function newWalletKey(): Promise<WalletKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const full = await exportJWK(publicKey);
  const publicJwk: JWK = { kty: full.kty, crv: full.crv, x: full.x, y: full.y };
  const did = didKeyFromP256Jwk(publicJwk);
  return { privateKey, publicJwk, did, didUrl: `${did}#${did.slice('did:key:'.length)}` };
}

const BASE58_ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Base58 (Bitcoin alphabet): leading zero bytes become '1', the rest is a base-58 number. */
export function base58btc(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = '';
  while (n > 0n) {
    out = BASE58_ALPHABET[Number(n % 58n)] + out;
    n /= 58n;
  }
  return '1'.repeat(zeros) + out;
}

/** did:key for a P-256 JWK: 0x80 0x24 (varint of 0x1200) ‖ 02|03 ‖ X, multibase 'z'. */
export function didKeyFromP256Jwk(jwk: JWK): string {
  if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || !jwk.x || !jwk.y) throw new Error('didKeyFromP256Jwk: not a P-256 public JWK');
  const x = Buffer.from(jwk.x, 'base64url');
  const y = Buffer.from(jwk.y, 'base64url');
  if (x.length !== 32 || y.length !== 32) throw new Error('didKeyFromP256Jwk: coordinates must be 32 bytes');
  const compressed = Buffer.concat([Buffer.from([0x02 | (y[31] & 1)]), x]);
  return `did:key:z${base58btc(Buffer.concat([Buffer.from([0x80, 0x24]), compressed]))}`;
}

const sameKey = (a: JWK, b: JWK) => a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;

/** Finds the private key the library asks for (jwk signer: by public key; did signer: by DID). */
function keyFor(keys: readonly WalletKey[], signer: JwtSigner): WalletKey {
  let key: WalletKey | undefined;
  if (signer.method === 'jwk') key = keys.find((k) => sameKey(k.publicJwk, signer.publicJwk as JWK));
  else if (signer.method === 'did') key = keys.find((k) => k.did === signer.didUrl.split('#')[0]);
  else throw new Error(`test wallet: signer method ${signer.method} is not supported`);
  if (!key) throw new Error(`test wallet: no private key for signer ${JSON.stringify(signer)}`);
  return key;
}

export interface TestWallet {
  client: Openid4vciClient;
  /** Every JWT the library had signed, in order: header and payload as the library built them. */
  signed: { header: Record<string, unknown>; payload: Record<string, unknown> }[];
  /** Every request the library sent (method, url) and the status it got. */
  requests: { method: string; url: string; status?: number }[];
  /** The library's OAuth client on the same callbacks (refresh token grant). */
  oauth2: Oauth2Client;
}

/**
 * An Openid4vciClient whose signJwt signs with the given keys. http:// URLs are allowed
 * (the test issuer listens on localhost) through the library's global switch.
 */
export function createTestWallet(keys: readonly WalletKey[], opts: { clientId?: string; clientAuthentication?: (wallet: { signJwt: SignJwtCallback; generateRandom: (n: number) => Uint8Array }) => ClientAuthenticationCallback } = {}): TestWallet {
  setGlobalConfig({ allowInsecureUrls: true });
  const signed: TestWallet['signed'] = [];
  const requests: TestWallet['requests'] = [];

  const signJwt: SignJwtCallback = async (signer, { header, payload }) => {
    const key = keyFor(keys, signer);
    if (signer.alg !== 'ES256') throw new Error(`test wallet: alg ${signer.alg} is not supported`);
    signed.push({ header: { ...header }, payload: { ...payload } });
    const jwt = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
      .setProtectedHeader(header as Parameters<CompactSign['setProtectedHeader']>[0])
      .sign(key.privateKey);
    return { jwt, signerJwk: key.publicJwk as never };
  };

  const callbacks: ConstructorParameters<typeof Openid4vciClient>[0]['callbacks'] = {
      fetch: async (input, init) => {
        const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
        const entry: TestWallet['requests'][number] = { method: init?.method ?? 'GET', url };
        requests.push(entry);
        const response = await fetch(input, init);
        entry.status = response.status;
        return response;
      },
      hash: (data, alg) => new Uint8Array(createHash(alg.replace('-', '')).update(data).digest()),
      generateRandom: (length) => new Uint8Array(randomBytes(length)),
      signJwt,
      // The issuer advertises pre-authorized_grant_anonymous_access_supported: no client_id.
      // The authorization code flow names its public client (client_id in PAR and token bodies).
      // Wallet attestation: the caller builds e.g. clientAuthenticationClientAttestationJwt on these callbacks.
      clientAuthentication: opts.clientAuthentication
        ? opts.clientAuthentication({ signJwt, generateRandom: (length) => new Uint8Array(randomBytes(length)) })
        : opts.clientId ? clientAuthenticationNone({ clientId: opts.clientId }) : clientAuthenticationAnonymous(),
  };
  const client = new Openid4vciClient({ callbacks });
  return { client, signed, requests, oauth2: new Oauth2Client({ callbacks }) };
}

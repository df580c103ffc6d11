import { createHash } from 'node:crypto';
import { compactVerify, importJWK, type JWK } from 'jose';
import { fail, ProtocolError, truncate, type DiagnosticCode } from '../../core/diagnostics.js';
import { MAX_JWT_LENGTH, parseJsonLimited } from '../../core/input-limits.js';
import { hasPrivateMembers, jwkThumbprint } from '../../crypto/jwk-utils.js';
import type { IssuerDeps, Recorder } from '../deps.js';
import { checkDpopNonce, createDpopNonce } from './dpop-nonce.js';

/**
 * DPoP proof verification (RFC 9449 §4.3), the one function PAR, token, credential and the
 * other resource endpoints use. Throws authorization-server style errors (400
 * invalid_dpop_proof / use_dpop_nonce, §5, §8); resource endpoints convert them with
 * `asResourceError` (401 + WWW-Authenticate: DPoP, §7.1). Key binding (jkt against a code,
 * refresh token or access token) is the caller's check.
 */

/** Advertised as dpop_signing_alg_values_supported; ES256 is what HAIP requires. */
export const DPOP_ALGS = ['ES256', 'ES384', 'ES512', 'EdDSA'] as const;

export interface DpopRequest {
  /** The DPoP header as received (Node joins repeated headers; arrays are refused). */
  header: string | string[] | undefined;
  method: string;
  /** This endpoint's URL from urls.endpoint(): the expected htu. */
  url: string;
  /** The access token presented with the request (resource endpoints): ath is then required. */
  accessToken?: string;
}

export interface VerifiedDpop {
  /** RFC 7638 SHA-256 thumbprint of the proof key: the cnf.jkt of bound tokens. */
  jkt: string;
  alg: string;
  /** The server nonce the proof carried (already checked), for per-offer nonce requirements. */
  nonce?: string;
}

type DpopDeps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>;

const b64json = (part: string): unknown => parseJsonLimited(Buffer.from(part, 'base64url').toString('utf8'));
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Returns null when the request carries no DPoP header; the caller decides whether that is allowed. */
export async function verifyDpopProof(deps: DpopDeps, request: DpopRequest, rec: Recorder): Promise<VerifiedDpop | null> {
  const { header } = request;
  if (header === undefined || header === '') return null;
  // §4.3 (1): exactly one DPoP header; Node joins repeats with ", ", which no JWT contains.
  if (Array.isArray(header) || header.includes(',')) fail('dpop.proof.multiple', 'The request carries more than one DPoP header', { path: 'headers.dpop' });

  // Size before decoding: a proof is ~600 characters (input limits).
  if (header.length > MAX_JWT_LENGTH.dpop) {
    fail('dpop.proof.malformed', `The DPoP header is ${header.length} characters long; at most ${MAX_JWT_LENGTH.dpop} are accepted`, { path: 'headers.dpop' });
  }
  const parts = header.trim().split('.');
  let protectedHeader: unknown;
  let claims: unknown;
  try {
    if (parts.length !== 3) throw new Error(`${parts.length} parts`);
    protectedHeader = b64json(parts[0]);
    claims = b64json(parts[1]);
  } catch (cause) {
    fail('dpop.proof.malformed', `The DPoP header is not a compact JWS with JSON header and claims (${(cause as Error).message})`, { path: 'headers.dpop', cause });
  }
  if (!isObject(protectedHeader) || !isObject(claims)) fail('dpop.proof.malformed', 'The DPoP proof header or claims are not JSON objects', { path: 'headers.dpop' });

  // §4.3 (4)-(7): typ, alg, jwk, signature by that jwk.
  if (protectedHeader.typ !== 'dpop+jwt') {
    fail('dpop.proof.typ', `DPoP proof typ is ${truncate(protectedHeader.typ ?? '(absent)', 40)}`, { path: 'headers.dpop.header.typ', found: protectedHeader.typ ?? null });
  }
  const alg = protectedHeader.alg;
  if (typeof alg !== 'string' || !(DPOP_ALGS as readonly string[]).includes(alg)) {
    fail('dpop.proof.alg_unsupported', `DPoP proof alg ${truncate(alg ?? '(absent)', 20)} is not supported`, {
      path: 'headers.dpop.header.alg',
      found: alg ?? null,
      expected: `one of ${DPOP_ALGS.join(', ')}`,
    });
  }
  const jwk = protectedHeader.jwk;
  if (!isObject(jwk) || typeof jwk.kty !== 'string') fail('dpop.proof.jwk_invalid', 'The DPoP proof header has no jwk object', { path: 'headers.dpop.header.jwk' });
  if (hasPrivateMembers(jwk as JWK)) fail('dpop.proof.jwk_invalid', 'The DPoP proof header jwk contains private key members', { path: 'headers.dpop.header.jwk' });
  let jkt: string;
  try {
    const key = await importJWK(jwk as JWK, alg);
    await compactVerify(header.trim(), key, { algorithms: [alg] });
    jkt = await jwkThumbprint(jwk as JWK);
  } catch (cause) {
    const message = (cause as Error).message;
    const code: DiagnosticCode = /signature/i.test(message) ? 'dpop.proof.signature' : 'dpop.proof.jwk_invalid';
    fail(code, `The DPoP proof does not verify with its header jwk: ${truncate(message, 120)}`, { path: 'headers.dpop', cause });
  }

  // §4.3 (8)-(9): method and target URI of this request.
  if (claims.htm !== request.method) {
    fail('dpop.proof.htm', `DPoP htm is ${truncate(claims.htm ?? '(absent)', 20)}, but the request method is ${request.method}`, {
      path: 'headers.dpop.payload.htm',
      found: claims.htm ?? null,
      expected: request.method,
    });
  }
  const expectedHtu = normaliseHtu(request.url)!;
  if (typeof claims.htu !== 'string' || normaliseHtu(claims.htu) !== expectedHtu) {
    fail('dpop.proof.htu', `DPoP htu ${truncate(claims.htu ?? '(absent)', 100)} is not this endpoint`, {
      path: 'headers.dpop.payload.htu',
      found: claims.htu ?? null,
      expected: expectedHtu,
    });
  }

  // §4.3 (10), §8: server nonce.
  const nonceHeaders = () => ({ 'dpop-nonce': createDpopNonce(deps) });
  if (claims.nonce === undefined) {
    if (deps.config.oauth.dpopNonceRequired) fail('dpop.nonce.missing', 'This server requires a DPoP nonce and the proof has none', { path: 'headers.dpop.payload.nonce', headers: nonceHeaders() });
  } else {
    const check = typeof claims.nonce === 'string' ? checkDpopNonce(deps, claims.nonce) : 'forged';
    if (check !== 'valid') {
      fail('dpop.nonce.invalid', check === 'expired' ? 'The DPoP nonce is too old' : 'The DPoP nonce was not issued by this server', {
        path: 'headers.dpop.payload.nonce',
        headers: nonceHeaders(),
      });
    }
  }

  // §4.3 (11): freshness.
  const now = deps.clock.nowMs();
  const iat = claims.iat;
  const skew = deps.config.proof.iatSkewSeconds;
  const maxAge = deps.config.oauth.dpopProofMaxAgeSeconds;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) fail('dpop.proof.iat', 'The DPoP proof has no numeric iat', { path: 'headers.dpop.payload.iat', found: iat ?? null });
  const age = now / 1000 - iat;
  if (age > maxAge || age < -skew) {
    fail('dpop.proof.iat', `DPoP iat is ${Math.round(age)} s ${age > 0 ? 'in the past' : 'in the future'}; accepted: ${maxAge} s old to ${skew} s ahead`, {
      path: 'headers.dpop.payload.iat',
      found: iat,
    });
  }

  // §4.3 (12): the access token hash, when a token is presented.
  if (request.accessToken !== undefined) {
    const expectedAth = createHash('sha256').update(request.accessToken, 'ascii').digest('base64url');
    if (claims.ath === undefined) fail('dpop.proof.ath_missing', 'The DPoP proof has no ath, but an access token is presented', { path: 'headers.dpop.payload.ath' });
    if (claims.ath !== expectedAth) fail('dpop.proof.ath_mismatch', 'DPoP ath is not the hash of the presented access token', { path: 'headers.dpop.payload.ath' });
  }

  // §11.1: replay. Recorded last, so only proofs that passed every check occupy the cache.
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > 256) fail('dpop.proof.jti_missing', 'The DPoP proof has no usable jti', { path: 'headers.dpop.payload.jti' });
  const fresh = await deps.store.replay.useDpopJti(jkt, jti, Math.ceil(iat + maxAge + skew) * 1000, now);
  if (!fresh) fail('dpop.proof.jti_replayed', `DPoP jti ${truncate(jti, 40)} was already used with this key`, { path: 'headers.dpop.payload.jti' });

  rec.log('debug', 'DPoP proof verified', { jkt, alg, htm: claims.htm, htu: claims.htu, nonce: claims.nonce !== undefined });
  return { jkt, alg, ...(typeof claims.nonce === 'string' ? { nonce: claims.nonce } : {}) };
}

/** htu compared without query and fragment, scheme and host case-folded, default port dropped (§4.3 (9)). */
export function normaliseHtu(raw: string): string | null {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return null;
  }
}

/**
 * A DPoP or token failure at a resource endpoint (§7.1, RFC 6750 §3): 401 with a DPoP
 * challenge naming the error and the accepted algorithms; a DPoP-Nonce header is kept.
 */
export function asResourceError(err: unknown): unknown {
  if (!(err instanceof ProtocolError)) return err;
  const isDpop = err.error === 'invalid_dpop_proof' || err.error === 'use_dpop_nonce' || err.error === 'invalid_token';
  if (!isDpop) return err;
  return new ProtocolError(err.diagnostic, {
    status: 401,
    cause: err.cause,
    headers: { ...err.headers, 'www-authenticate': dpopChallenge(err.error) },
  });
}

export function dpopChallenge(error?: string): string {
  return `DPoP${error ? ` error="${error}",` : ''} algs="${DPOP_ALGS.join(' ')}"`;
}

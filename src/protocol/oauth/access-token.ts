import { diagnose, fail } from '../../core/diagnostics.js';
import { hashSecret, randomToken } from '../../core/ids.js';
import type { AuthorizationDetail, GrantType, StoredAccessToken } from '../../store/store.js';
import type { GrantRevocationReason } from '../../store/oauth-records.js';
import type { IssuerDeps, Recorder } from '../deps.js';
import { asResourceError, dpopChallenge, verifyDpopProof, type VerifiedDpop } from './dpop.js';

export interface NewAccessToken {
  sessionId: string;
  grantType: GrantType;
  authorizationDetails: AuthorizationDetail[];
  detailsReturned: boolean;
  clientId: string | null;
  anonymous: boolean;
  /** cnf.jkt of a DPoP-bound token (RFC 9449 §6.1); null for a bearer token. */
  dpopJkt?: string | null;
  /** Lifetime instead of ACCESS_TOKEN_TTL_SECONDS (short expiry of an offer). */
  ttlSeconds?: number;
  /** The refresh token family it belongs to (revoked together); null for a pre-authorized code. */
  grantId: string | null;
}

/** Opaque access tokens: only their hash is stored, so a database leak yields no usable token. */
export function issueAccessToken(
  deps: Pick<IssuerDeps, 'clock' | 'config'>,
  t: NewAccessToken,
  rec: Pick<Recorder, 'create'>,
): { accessToken: string; expiresIn: number; tokenType: 'Bearer' | 'DPoP' } {
  const accessToken = randomToken(32);
  const now = deps.clock.nowMs();
  const { ttlSeconds, ...record } = t;
  const expiresIn = ttlSeconds ?? deps.config.ttl.accessTokenSeconds;
  const dpopJkt = t.dpopJkt ?? null;
  rec.create({ kind: 'access_token', token: { ...record, tokenHash: hashSecret(accessToken), dpopJkt, expiresAt: now + expiresIn * 1000, createdAt: now } });
  return { accessToken, expiresIn, tokenType: dpopJkt ? 'DPoP' : 'Bearer' };
}

const REVOCATION_CAUSE: Record<GrantRevocationReason, string> = {
  authorization_code_reused: 'the authorization code it was issued for was presented again (RFC 6749 §4.1.2)',
  refresh_token_reused: 'a rotated refresh token of its grant was used again (RFC 9700 §4.14.2)',
};

/** What a resource endpoint needs to check a DPoP-bound token: its DPoP header, method and URL. */
export interface ResourceDpop {
  header: string | string[] | undefined;
  method: string;
  url: string;
}

/** A live access token and the DPoP proof that came with it (verified; null for the Bearer scheme). */
export interface VerifiedAccessToken extends StoredAccessToken {
  dpop: VerifiedDpop | null;
}

/**
 * Resource-side token check (RFC 6750 §2.1, §3; RFC 9449 §7). Bearer tokens answer 401 with a
 * Bearer challenge; DPoP-bound tokens need `Authorization: DPoP` and a proof of their key with
 * `ath`, else 401 with a DPoP challenge. The session is bound as soon as the token is known, so
 * even a refused request lands in its log. Callers that pass no `dpop` refuse bound tokens.
 */
export async function verifyAccessToken(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'serverSecret'>,
  authorization: string | undefined,
  rec: Recorder,
  dpop?: ResourceDpop,
): Promise<VerifiedAccessToken> {
  // No token at all: a plain Bearer challenge (RFC 6750 §3); DPoP support is in the AS metadata.
  const bearerChallenge = { 'www-authenticate': 'Bearer' };
  if (!authorization) fail('credential.token.missing', 'The request has no Authorization header', { headers: bearerChallenge, path: 'headers.authorization' });
  const match = /^(Bearer|DPoP)\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
  if (!match) {
    fail('credential.token.missing', 'The Authorization header is not of the form "Bearer <token>" or "DPoP <token>"', {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      path: 'headers.authorization',
      found: authorization.split(' ')[0]?.slice(0, 20),
    });
  }
  const scheme = match[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer';
  const token = match[2];
  const record = await deps.store.tokens.get(hashSecret(token));
  const invalid = { 'www-authenticate': scheme === 'DPoP' ? dpopChallenge('invalid_token') : 'Bearer error="invalid_token"' };
  if (!record) fail('credential.token.unknown', 'The access token is not known here', { headers: invalid, path: 'headers.authorization' });
  rec.bindSession(record.sessionId);
  if (record.revoked) {
    fail('credential.token.revoked', `The access token was revoked at ${new Date(record.revoked.at).toISOString()} because ${REVOCATION_CAUSE[record.revoked.reason]}`, {
      headers: invalid,
      path: 'headers.authorization',
      found: { reason: record.revoked.reason },
    });
  }
  if (record.expiresAt <= deps.clock.nowMs()) {
    fail('credential.token.expired', `The access token expired at ${new Date(record.expiresAt).toISOString()}`, { headers: invalid });
  }
  if (scheme === 'Bearer') {
    // RFC 9449 §7.2: a bound token must never be accepted as a bearer token.
    if (record.dpopJkt) {
      fail('credential.token.dpop_as_bearer', 'The access token is DPoP-bound but was sent with the Bearer scheme', {
        headers: { 'www-authenticate': dpopChallenge('invalid_token') },
        path: 'headers.authorization',
      });
    }
    return { ...record, dpop: null };
  }
  try {
    const proof = dpop ? await verifyDpopProof(deps, { ...dpop, accessToken: token }, rec) : null;
    if (!proof) fail('credential.token.dpop_proof_missing', 'Authorization uses the DPoP scheme but the request has no DPoP proof', { path: 'headers.dpop' });
    if (!record.dpopJkt) {
      rec.diagnostic(diagnose('credential.token.dpop_unbound', 'A bearer token was sent with the DPoP scheme', { path: 'headers.authorization' }));
    } else if (proof.jkt !== record.dpopJkt) {
      fail('credential.token.dpop_key_mismatch', 'The DPoP proof is signed by another key than the one the access token is bound to', {
        path: 'headers.dpop.header.jwk',
        found: { proof_jkt: proof.jkt },
        expected: `a key with thumbprint ${record.dpopJkt}`,
      });
    }
    return { ...record, dpop: proof };
  } catch (err) {
    throw asResourceError(err);
  }
}

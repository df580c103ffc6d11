import { fail } from '../../core/diagnostics.js';
import { hashSecret, randomToken } from '../../core/ids.js';
import type { AccessTokenRecord, AuthorizationDetail, GrantType } from '../../store/store.js';
import type { IssuerDeps, Recorder } from '../deps.js';

export interface NewAccessToken {
  sessionId: string;
  grantType: GrantType;
  authorizationDetails: AuthorizationDetail[];
  detailsReturned: boolean;
  clientId: string | null;
  anonymous: boolean;
}

/** Opaque access tokens: only their hash is stored, so a database leak yields no usable token. */
export async function issueAccessToken(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config'>,
  t: NewAccessToken,
): Promise<{ accessToken: string; expiresIn: number }> {
  const accessToken = randomToken(32);
  const now = deps.clock.nowMs();
  const expiresIn = deps.config.ttl.accessTokenSeconds;
  await deps.store.tokens.create({ ...t, tokenHash: hashSecret(accessToken), dpopJkt: null, expiresAt: now + expiresIn * 1000, createdAt: now });
  return { accessToken, expiresIn };
}

/**
 * Resource-side token check (RFC 6750 §2.1, §3). Answers 401 with a Bearer challenge; the
 * session is bound as soon as the token is known, so even a refused request lands in its log.
 */
export async function verifyAccessToken(
  deps: Pick<IssuerDeps, 'store' | 'clock'>,
  authorization: string | undefined,
  rec: Recorder,
): Promise<AccessTokenRecord> {
  const challenge = { 'www-authenticate': 'Bearer' };
  if (!authorization) fail('credential.token.missing', 'The request has no Authorization header', { headers: challenge, path: 'headers.authorization' });
  const match = /^(Bearer|DPoP)\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(authorization.trim());
  if (!match) {
    fail('credential.token.missing', 'The Authorization header is not of the form "Bearer <token>"', {
      headers: { 'www-authenticate': 'Bearer error="invalid_token"' },
      path: 'headers.authorization',
      found: authorization.split(' ')[0]?.slice(0, 20),
    });
  }
  const record = await deps.store.tokens.get(hashSecret(match[2]));
  const invalid = { 'www-authenticate': 'Bearer error="invalid_token"' };
  if (!record) fail('credential.token.unknown', 'The access token is not known here', { headers: invalid, path: 'headers.authorization' });
  rec.bindSession(record.sessionId);
  if (record.expiresAt <= deps.clock.nowMs()) {
    fail('credential.token.expired', `The access token expired at ${new Date(record.expiresAt).toISOString()}`, { headers: invalid });
  }
  return record;
}

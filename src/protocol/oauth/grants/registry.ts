import { hashSecret } from '../../../core/ids.js';
import type { SessionRecord } from '../../../store/store.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../../deps.js';
import type { VerifiedClientAttestation } from '../client-attestation.js';
import type { VerifiedDpop } from '../dpop.js';
import { handleAuthorizationCodeGrant } from './authorization-code.js';
import { handlePreAuthorizedCodeGrant, readPreAuthorizedGrant, type PreAuthorizedGrantRead } from './pre-authorized-code.js';
import { handleRefreshTokenGrant } from './refresh-token.js';

/**
 * The grants of the token endpoint, one entry each: its grant_type, the form parameter that
 * carries its secret, a read-only look-up of the session that secret names, and its handler.
 * The token endpoint knows no grant by name; a new grant is a new entry here.
 */

type GrantDeps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations' | 'serverSecret'>;

/** One token request of one grant; every read is made at most once. */
export interface GrantRequest {
  /** The session the grant's secret names, read-only (nothing consumed); null when missing or unknown. */
  sessionId(): Promise<string | null>;
  /** That session, for the client check (an offer's require_wallet_attestation). */
  session(): Promise<SessionRecord | null>;
  handle(dpop: VerifiedDpop | null, client: VerifiedClientAttestation | null): Promise<ProtocolResponse>;
}

export interface TokenGrantType {
  grantType: string;
  /** The form parameter carrying the grant's secret (hashed before any look-up). */
  secretParameter: string;
  open(deps: GrantDeps, urls: IssuerUrls, form: Record<string, string>, rec: Recorder): GrantRequest;
}

const preAuthorizedCode: TokenGrantType = {
  grantType: 'urn:ietf:params:oauth:grant-type:pre-authorized_code',
  secretParameter: 'pre-authorized_code',
  open(deps, urls, form, rec) {
    // The code's grant and session, read once: the session check, the client check and the handler share them.
    let read: Promise<PreAuthorizedGrantRead> | undefined;
    const preloaded = () => (read ??= readPreAuthorizedGrant(deps, form['pre-authorized_code'] ?? ''));
    return {
      sessionId: async () => (await preloaded()).grant?.sessionId ?? null,
      session: async () => (await preloaded()).session,
      handle: (dpop, client) => handlePreAuthorizedCodeGrant(deps, urls, form, rec, dpop, client, preloaded),
    };
  },
};

/** A grant whose secret is peeked by its hash; the handler consumes it itself. */
function peekedGrant(
  grantType: string,
  secretParameter: string,
  peek: (deps: GrantDeps, hash: string) => Promise<{ sessionId: string } | null>,
  handler: (deps: GrantDeps, urls: IssuerUrls, form: Record<string, string>, dpop: VerifiedDpop | null, rec: Recorder) => Promise<ProtocolResponse>,
): TokenGrantType {
  return {
    grantType,
    secretParameter,
    open(deps, urls, form, rec) {
      let found: Promise<string | null> | undefined;
      const sessionId = () =>
        (found ??= (async () => {
          const secret = form[secretParameter];
          return secret ? ((await peek(deps, hashSecret(secret)))?.sessionId ?? null) : null;
        })());
      return {
        sessionId,
        session: async () => {
          const id = await sessionId();
          return id ? deps.store.sessions.get(id) : null;
        },
        handle: (dpop) => handler(deps, urls, form, dpop, rec),
      };
    },
  };
}

/** In the order of the AS metadata's grant_types_supported. */
export const TOKEN_GRANTS: ReadonlyMap<string, TokenGrantType> = new Map(
  [
    preAuthorizedCode,
    peekedGrant('authorization_code', 'code', (deps, hash) => deps.store.authorizations.peekCode(hash), handleAuthorizationCodeGrant),
    peekedGrant('refresh_token', 'refresh_token', (deps, hash) => deps.store.refreshTokens.peek(hash), handleRefreshTokenGrant),
  ].map((g) => [g.grantType, g]),
);

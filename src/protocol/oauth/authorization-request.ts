import { diagnose, fail, truncate } from '../../core/diagnostics.js';
import { parseJsonLimited } from '../../core/input-limits.js';
import { hashSecret, redactSecret } from '../../core/ids.js';
import type { RequestedCredentials } from '../../store/oauth-records.js';
import type { SessionRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../deps.js';
import { parseCodeChallenge } from './pkce.js';
import { verifyRedirectUri } from './redirect-uri.js';

/**
 * The checks of an authorization request (RFC 6749 §4.1.1, RFC 7636, RFC 9396, OID4VCI 1.0
 * §5.1), shared by PAR and the authorization endpoint, as node-oidc-provider shares
 * `lib/actions/authorization`. Split in two because errors in the first part (who the client
 * is and where to send it back) must never be redirected (RFC 6749 §4.1.2.1).
 */

export interface VerifiedClient {
  clientId: string;
  redirectUri: string;
}

/** Step one: client_id (any value, public clients) and the redirect URI policy (redirect-uri.ts). */
export function verifyClient(params: Record<string, string>): VerifiedClient {
  const clientId = params.client_id;
  if (!clientId) fail('authorize.client_id.missing', 'The request has no client_id', { path: 'client_id', found: Object.keys(params) });
  return { clientId, redirectUri: verifyRedirectUri(params.redirect_uri) };
}

export interface VerifiedAuthorizationRequest extends VerifiedClient, RequestedCredentials {
  session: SessionRecord;
  state: string | null;
  codeChallenge: string;
  /** dpop_jkt parameter (RFC 9449 §10); PAR may also bind through its DPoP header. */
  dpopJkt: string | null;
}

/** States in which an offer's issuer_state may still start an authorization. */
const AUTHORIZABLE = new Set(['offer_created', 'offer_retrieved', 'authorization_requested', 'authorization_granted']);

/** Step two: everything else. Binds the request to the offer's session (issuer_state). */
export async function verifyAuthorizationParameters(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'configurations' | 'serverSecret'>,
  urls: IssuerUrls,
  params: Record<string, string>,
  client: VerifiedClient,
  rec: Recorder,
): Promise<VerifiedAuthorizationRequest> {
  if (params.request !== undefined) fail('authorize.request_object.unsupported', 'The request carries a request object (JAR)', { path: 'request' });
  if (params.response_type !== 'code') {
    fail('authorize.response_type.unsupported', `response_type ${truncate(params.response_type ?? '(absent)', 40)} is not supported`, {
      path: 'response_type',
      found: params.response_type ?? null,
    });
  }
  const session = await verifyIssuerState(deps, params.issuer_state, rec);
  const codeChallenge = parseCodeChallenge(params);
  if (params.resource !== undefined && params.resource !== urls.issuer) {
    fail('authorize.resource.mismatch', `resource ${truncate(params.resource, 100)} is not this credential issuer`, { path: 'resource', expected: urls.issuer });
  }
  const dpopJkt = params.dpop_jkt ?? null;
  if (dpopJkt !== null && !/^[A-Za-z0-9_-]{43}$/.test(dpopJkt)) {
    fail('authorize.dpop_jkt.malformed', 'dpop_jkt is not a base64url SHA-256 thumbprint', { path: 'dpop_jkt', found: truncate(dpopJkt, 60) });
  }
  const requested = verifyRequestedCredentials(deps, urls, params, session, rec);
  return { ...client, ...requested, session, state: params.state ?? null, codeChallenge, dpopJkt };
}

async function verifyIssuerState(deps: Pick<IssuerDeps, 'store' | 'clock' | 'serverSecret'>, issuerState: string | undefined, rec: Recorder): Promise<SessionRecord> {
  if (!issuerState) fail('authorize.issuer_state.missing', 'The request has no issuer_state', { path: 'issuer_state' });
  const record = await deps.store.authorizations.getIssuerState(hashSecret(issuerState));
  if (!record) fail('authorize.issuer_state.unknown', `issuer_state ${redactSecret(deps.serverSecret, issuerState)} is not known here`, { path: 'issuer_state' });
  rec.bindSession(record.sessionId);
  if (record.expiresAt <= deps.clock.nowMs()) {
    fail('authorize.issuer_state.expired', `The offer behind issuer_state expired at ${new Date(record.expiresAt).toISOString()}`, { path: 'issuer_state' });
  }
  const session = await deps.store.sessions.get(record.sessionId);
  if (!session) throw new Error(`Session ${record.sessionId} of a live issuer_state is missing`);
  if (!AUTHORIZABLE.has(session.state)) {
    fail('authorize.issuer_state.redeemed', `The session is in state ${session.state}; its offer was already redeemed`, { path: 'issuer_state' });
  }
  return session;
}

/**
 * scope and authorization_details (OID4VCI 1.0 §5.1.1, §5.1.2), both limited to the offer.
 * Unknown scope values are ignored, as §5.1.2 requires; a request naming nothing gets the
 * offer's configurations, with a warning.
 */
function verifyRequestedCredentials(
  deps: Pick<IssuerDeps, 'configurations'>,
  urls: IssuerUrls,
  params: Record<string, string>,
  session: SessionRecord,
  rec: Recorder,
): RequestedCredentials {
  const offered = session.credentialConfigurationIds;
  const ids = new Set<string>();
  const understoodScopes: string[] = [];
  for (const value of (params.scope ?? '').split(' ').filter(Boolean)) {
    const matching = deps.configurations.ids.filter((id) => deps.configurations.byId.get(id)?.scope === value);
    if (matching.length === 0) {
      rec.diagnostic(diagnose('authorize.scope.ignored', `scope value ${truncate(value, 60)} names no credential configuration; ignored`, { path: 'scope', found: value }));
      continue;
    }
    const inOffer = matching.filter((id) => offered.includes(id));
    if (inOffer.length === 0) {
      fail('authorize.scope.not_offered', `scope ${truncate(value, 60)} belongs to ${matching.join(', ')}, which the offer does not contain`, {
        path: 'scope',
        expected: `scopes of ${offered.join(', ')}`,
      });
    }
    understoodScopes.push(value);
    for (const id of inOffer) ids.add(id);
  }
  const details = params.authorization_details !== undefined ? parseRequestedDetails(params.authorization_details, offered, urls) : [];
  for (const id of details) ids.add(id);
  if (ids.size === 0) {
    rec.diagnostic(diagnose('authorize.credentials.defaulted', 'Neither scope nor authorization_details named a credential of the offer', { path: 'scope' }));
    return { credentialConfigurationIds: [...offered], detailsRequested: false, scope: null };
  }
  return { credentialConfigurationIds: [...ids], detailsRequested: details.length > 0, scope: understoodScopes.length ? understoodScopes.join(' ') : null };
}

function parseRequestedDetails(raw: string, offered: string[], urls: IssuerUrls): string[] {
  const path = 'authorization_details';
  let parsed: unknown;
  try {
    parsed = parseJsonLimited(raw);
  } catch {
    fail('authorize.authorization_details.malformed', 'authorization_details is not valid JSON (or nested too deep)', { path, found: truncate(raw, 80) });
  }
  if (!Array.isArray(parsed) || parsed.length === 0) fail('authorize.authorization_details.malformed', 'authorization_details must be a non-empty JSON array', { path });
  return parsed.map((entry: unknown, i: number) => {
    const e = entry as Record<string, unknown> | null;
    const at = `${path}[${i}]`;
    if (!e || typeof e !== 'object' || e.type !== 'openid_credential') {
      fail('authorize.authorization_details.malformed', `${at}.type must be openid_credential`, { path: `${at}.type`, found: e?.type ?? null });
    }
    const id = e.credential_configuration_id;
    if (typeof id !== 'string') {
      const draft = e.format !== undefined ? ' (format-based entries are from drafts up to 15)' : '';
      fail('authorize.authorization_details.malformed', `${at} has no credential_configuration_id${draft}`, { path: at, found: Object.keys(e) });
    }
    if (e.locations !== undefined && !(Array.isArray(e.locations) && e.locations.includes(urls.issuer))) {
      fail('authorize.authorization_details.locations', `${at}.locations does not contain the credential issuer`, { path: `${at}.locations`, found: e.locations, expected: `[${urls.issuer}]` });
    }
    if (!offered.includes(id)) {
      fail('authorize.authorization_details.not_offered', `credential_configuration_id ${truncate(id, 80)} is not in the offer`, {
        path: `${at}.credential_configuration_id`,
        expected: `one of ${offered.join(', ')}`,
      });
    }
    return id;
  });
}

/** Appends authorization response parameters, keeping the redirect URI's own query (RFC 6749 §3.1.2). */
export function createRedirectLocation(redirectUri: string, params: Record<string, string | null | undefined>): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== null && value !== undefined) query.set(key, value);
  return `${redirectUri}${redirectUri.includes('?') ? '&' : '?'}${query.toString()}`;
}

import { diagnose, fail, ProtocolError } from '../../core/diagnostics.js';
import { hashSecret, randomToken, redactSecret } from '../../core/ids.js';
import type { AuthorizationRequestRecord } from '../../store/oauth-records.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../deps.js';
import { queryPairs, singleValued, type ProtocolRequest } from '../request.js';
import { verifyAuthorizationParameters, verifyClient } from './authorization-request.js';
import { buildConsentView, errorPage, type AuthorizationOutcome } from './consent-view.js';
import { REQUEST_URI_PREFIX } from './par.js';
import { recordAuthorizationRequested } from './record-authorization.js';

type AuthorizeDeps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations' | 'serverSecret'>;

/**
 * Authorization endpoint (RFC 6749 §4.1.1, RFC 9126 §4): with a request_uri from PAR, or, when
 * PAR_REQUIRED is false, with the parameters themselves. Opens the login/consent page with a
 * CSRF token bound to this pending authorization (only its hash is stored).
 *
 * Every error here is shown on the error page, never redirected: the redirect_uri of a request
 * that reaches this endpoint directly was verified against nothing (wallets are unregistered
 * public clients), so redirecting would make the issuer an open redirector for any URI a link
 * names (RFC 9700 §4.11, RFC 6749 §4.1.2.1). Redirects go only to the redirect_uri of a pushed
 * request or, after the person saw it on the consent page ("Returns to"), of a consent decision.
 */
export async function handleAuthorizationRequest(deps: AuthorizeDeps, urls: IssuerUrls, http: ProtocolRequest, rec: Recorder): Promise<AuthorizationOutcome> {
  try {
    const params = singleValued(queryPairs(http), 'authorize.parameter.duplicated', '');
    rec.log('debug', 'Authorization request parameters', redactParameters(deps.serverSecret, params));
    if (params.request_uri !== undefined) return await openPushedRequest(deps, urls, params, rec);
    const client = verifyClient(params);
    if (deps.config.oauth.parRequired) {
      // Logged on the offer's session when the issuer_state is known, so the playground shows it.
      const known = params.issuer_state ? await deps.store.authorizations.getIssuerState(hashSecret(params.issuer_state)) : null;
      if (known) rec.bindSession(known.sessionId);
    }
    if (deps.config.oauth.parRequired) fail('authorize.par.required', 'The authorization request was not pushed (no request_uri), but PAR is required', { path: 'request_uri' });
    const request = await verifyAuthorizationParameters(deps, urls, params, client, rec);
    const now = deps.clock.nowMs();
    const csrfToken = randomToken(32);
    const record: AuthorizationRequestRecord = {
      id: `azr_${randomToken(12)}`,
      requestUriHash: null,
      sessionId: request.session.id,
      clientId: request.clientId,
      redirectUri: request.redirectUri,
      state: request.state,
      codeChallenge: request.codeChallenge,
      dpopJkt: request.dpopJkt,
      credentialConfigurationIds: request.credentialConfigurationIds,
      detailsRequested: request.detailsRequested,
      scope: request.scope,
      requestUriExpiresAt: null,
      requestUriUsedAt: null,
      csrfHash: hashSecret(csrfToken),
      expiresAt: now + deps.config.oauth.authorizationTtlSeconds * 1000,
      decidedAt: null,
      createdAt: now,
    };
    rec.create({ kind: 'authorization_request', request: record });
    await recordAuthorizationRequested(deps, request, record, { via: 'authorization_endpoint' }, rec);
    return { kind: 'page', status: 200, view: buildConsentView(deps, urls, record, request.session, csrfToken) };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    return errorPage(err, rec);
  }
}

/** RFC 9126 §4: client_id + request_uri; the request_uri is used once, atomically. */
async function openPushedRequest(deps: AuthorizeDeps, urls: IssuerUrls, params: Record<string, string>, rec: Recorder): Promise<AuthorizationOutcome> {
  const requestUri = params.request_uri;
  if (!params.client_id) fail('authorize.client_id.missing', 'The request has no client_id', { path: 'client_id' });
  if (!requestUri.startsWith(REQUEST_URI_PREFIX)) fail('authorize.request_uri.unknown', `request_uri ${redactSecret(deps.serverSecret, requestUri)} was not issued by this PAR endpoint`, { path: 'request_uri' });
  const hash = hashSecret(requestUri);
  const now = deps.clock.nowMs();
  const csrfToken = randomToken(32);
  const record = await deps.store.authorizations.useRequestUri(hash, now, hashSecret(csrfToken), now + deps.config.oauth.authorizationTtlSeconds * 1000);
  if (!record) {
    const known = await deps.store.authorizations.peekRequestUri(hash);
    if (!known) fail('authorize.request_uri.unknown', `request_uri ${redactSecret(deps.serverSecret, requestUri)} is not known here`, { path: 'request_uri' });
    rec.bindSession(known.sessionId);
    if (known.requestUriUsedAt !== null) fail('authorize.request_uri.used', `request_uri was already used at ${new Date(known.requestUriUsedAt).toISOString()}`, { path: 'request_uri' });
    fail('authorize.request_uri.expired', `request_uri expired at ${new Date(known.requestUriExpiresAt ?? 0).toISOString()}`, { path: 'request_uri' });
  }
  rec.bindSession(record.sessionId);
  if (record.clientId !== params.client_id) {
    fail('authorize.request_uri.client_mismatch', `client_id ${params.client_id.slice(0, 80)} is not the client that pushed the request`, { path: 'client_id', expected: record.clientId });
  }
  const extra = Object.keys(params).filter((k) => k !== 'client_id' && k !== 'request_uri');
  if (extra.length) {
    rec.diagnostic(diagnose('authorize.request_uri.extra_parameters', `Parameters next to request_uri are ignored: ${extra.join(', ')}`, { path: extra[0] }));
  }
  const session = await deps.store.sessions.get(record.sessionId);
  if (!session) throw new Error(`Session ${record.sessionId} of a pushed authorization request is missing`);
  rec.log('info', 'Login/consent page opened', { authorization_request_id: record.id, client_id: record.clientId, expires_at: new Date(record.expiresAt).toISOString() });
  return { kind: 'page', status: 200, view: buildConsentView(deps, urls, record, session, csrfToken) };
}

/** Authorization parameters for the log: request_uri and issuer_state are bearer-like secrets. */
function redactParameters(serverSecret: string, params: Record<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...params };
  for (const key of ['request_uri', 'issuer_state']) if (out[key] !== undefined) out[key] = redactSecret(serverSecret, params[key]);
  return out;
}

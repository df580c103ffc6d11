import { ProtocolError, toErrorDescription, type Diagnostic } from '../../core/diagnostics.js';
import type { CredentialConfiguration } from '../../credential-configurations/schema.js';
import type { AuthorizationRequestRecord } from '../../store/oauth-records.js';
import type { SessionRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../deps.js';
import { createRedirectLocation } from './authorization-request.js';

/**
 * What the browser-facing steps (authorization endpoint, consent form) answer: a redirect to
 * the client, the login/consent page, or an error page. Plain data: the HTTP layer renders it.
 */
export type AuthorizationOutcome =
  | { kind: 'redirect'; location: string }
  | { kind: 'page'; status: number; view: ConsentView }
  | { kind: 'error'; status: number; error: string; description: string; diagnostic: Diagnostic };

/** A claim set the person can pick: the configuration's sample persona, the offer's claims, … */
export interface Persona {
  key: 'sample' | 'offer' | 'deferred' | 'custom';
  label: string;
  claims: Record<string, unknown> | null;
}

export interface ConsentCredential {
  id: string;
  name: string;
  format: string;
  personas: Persona[];
  selected: Persona['key'];
  /** Text of the claims editor (the selected persona's claims, or what the person typed). */
  customText: string;
  problems: string[];
  /** False when the offer fixes the claims: no editor, no other persona. */
  editable: boolean;
}

export interface ConsentView {
  authorizationRequestId: string;
  csrfToken: string;
  /** Path of the consent form's action (absolute path under PUBLIC_URL). */
  actionPath: string;
  clientId: string;
  redirectUri: string;
  sessionId: string;
  dpopBound: boolean;
  expiresAt: number;
  credentials: ConsentCredential[];
}

export function consentActionPath(urls: IssuerUrls): string {
  return `${new URL(urls.endpoint('authorization')).pathname}/consent`;
}

/** The personas of one configuration; the default is the offer's claims when it has some. */
/**
 * The claim sets the holder may pick for one configuration. Claims the operator set on the
 * offer are all there is unless the offer says `claims_editable: true`; without offer claims
 * the holder picks a persona or edits, unless the offer says `claims_editable: false`.
 */
export function personasFor(configuration: CredentialConfiguration, session: SessionRecord): { personas: Persona[]; selected: Persona['key']; editable: boolean } {
  const sample = configuration.issuance.sample_claims;
  const offered = session.options.claims[configuration.id];
  const editable = session.options.claimsEditable ?? !offered;
  const personas: Persona[] = [];
  if (editable || !offered) personas.push({ key: 'sample', label: `Sample persona: ${personaName(sample) ?? 'the configuration sample claims'}`, claims: sample });
  if (offered) personas.push({ key: 'offer', label: `Claims of the offer${personaName(offered) ? `: ${personaName(offered)}` : ''}`, claims: offered });
  if (session.options.deferred && !offered) personas.push({ key: 'deferred', label: 'Supply the claims later (deferred issuance)', claims: null });
  if (editable) personas.push({ key: 'custom', label: 'Edit the claims (JSON below)', claims: null });
  const selected = offered ? 'offer' : session.options.deferred ? 'deferred' : 'sample';
  return { personas, selected, editable };
}

export function buildConsentView(
  deps: Pick<IssuerDeps, 'configurations'>,
  urls: IssuerUrls,
  record: AuthorizationRequestRecord,
  session: SessionRecord,
  csrfToken: string,
  edits: Record<string, { selected: Persona['key']; customText: string; problems: string[] }> = {},
): ConsentView {
  const credentials = record.credentialConfigurationIds.map((id): ConsentCredential => {
    const configuration = deps.configurations.byId.get(id)!;
    const { personas, selected, editable } = personasFor(configuration, session);
    const shown = personas.find((p) => p.key === selected)?.claims ?? configuration.issuance.sample_claims;
    const edit = edits[id];
    return {
      id,
      name: configuration.credential_metadata?.display?.[0]?.name ?? id,
      format: configuration.format,
      personas,
      selected: edit?.selected ?? selected,
      customText: edit?.customText ?? JSON.stringify(shown, null, 2),
      problems: edit?.problems ?? [],
      editable,
    };
  });
  return {
    authorizationRequestId: record.id,
    csrfToken,
    actionPath: consentActionPath(urls),
    clientId: record.clientId,
    redirectUri: record.redirectUri,
    sessionId: session.id,
    dpopBound: record.dpopJkt !== null,
    expiresAt: record.expiresAt,
    credentials,
  };
}

/** "Erika Mustermann" from given_name/family_name at the top or one level down (mdoc namespaces). */
function personaName(claims: Record<string, unknown>): string | null {
  for (const level of [claims, ...Object.values(claims)]) {
    if (level && typeof level === 'object' && !Array.isArray(level)) {
      const l = level as Record<string, unknown>;
      if (typeof l.given_name === 'string' || typeof l.family_name === 'string') return [l.given_name, l.family_name].filter((v) => typeof v === 'string').join(' ');
    }
  }
  return null;
}

/** A failure shown on the error page (client or redirect URI unknown or untrusted). */
export function errorPage(err: ProtocolError, rec: Recorder): AuthorizationOutcome {
  rec.diagnostic(err.diagnostic);
  return { kind: 'error', status: err.status, error: err.error, description: toErrorDescription(err.diagnostic.reason), diagnostic: err.diagnostic };
}

/** A failure sent back to the client (RFC 6749 §4.1.2.1) with state and iss (RFC 9207). */
export function errorRedirect(err: ProtocolError, redirectUri: string, state: string | null, urls: IssuerUrls, rec: Recorder): AuthorizationOutcome {
  rec.diagnostic(err.diagnostic);
  rec.log('info', 'Authorization error returned to the client', { redirect_uri: redirectUri, error: err.error, state });
  return {
    kind: 'redirect',
    location: createRedirectLocation(redirectUri, { error: err.error, error_description: toErrorDescription(err.diagnostic.reason), state, iss: urls.issuer }),
  };
}

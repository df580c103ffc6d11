import { diagnose, fail, ProtocolError } from '../../core/diagnostics.js';
import { parseJsonLimited } from '../../core/input-limits.js';
import { hashSecret, randomToken, redactSecret } from '../../core/ids.js';
import { validateClaims } from '../../credential-configurations/claims.js';
import { timingSafeEqualText } from '../../crypto/constant-time.js';
import type { AuthorizationRequestRecord } from '../../store/oauth-records.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../deps.js';
import { formPairs, singleValued, type ProtocolRequest } from '../request.js';
import { createRedirectLocation } from './authorization-request.js';
import { buildConsentView, errorPage, errorRedirect, personasFor, type AuthorizationOutcome, type Persona } from './consent-view.js';

type ConsentDeps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'configurations' | 'serverSecret'>;

/**
 * The login/consent form post. Checks the CSRF token bound to the pending authorization, the
 * claims the person chose (validated against the configuration; invalid ones re-show the page),
 * records the decision exactly once, stores the chosen claims on the session, then redirects to
 * the client with code, state and iss (RFC 6749 §4.1.2, RFC 9207) — or access_denied.
 */
export async function handleConsent(deps: ConsentDeps, urls: IssuerUrls, request: ProtocolRequest, rec: Recorder): Promise<AuthorizationOutcome> {
  let record: AuthorizationRequestRecord | null = null;
  try {
    const form = singleValued(formPairs(request), 'authorize.parameter.duplicated', '');
    record = await deps.store.authorizations.getRequest(form.authorization_request_id ?? '');
    if (!record) fail('consent.authorization.unknown', 'The form names no pending authorization of this issuer', { path: 'body.authorization_request_id' });
    rec.bindSession(record.sessionId);
    const csrf = form.csrf_token ?? '';
    if (!record.csrfHash || !timingSafeEqualText(hashSecret(csrf), record.csrfHash)) {
      fail('consent.csrf.invalid', `The csrf_token ${redactSecret(deps.serverSecret, csrf)} does not belong to this authorization`, { path: 'body.csrf_token' });
    }
    const now = deps.clock.nowMs();
    if (record.decidedAt !== null) fail('consent.authorization.decided', `This authorization was already answered at ${new Date(record.decidedAt).toISOString()}`);
    if (record.expiresAt <= now) fail('consent.authorization.expired', `The consent page expired at ${new Date(record.expiresAt).toISOString()}`);
    const session = await deps.store.sessions.get(record.sessionId);
    if (!session) throw new Error(`Session ${record.sessionId} of a pending authorization is missing`);

    if (form.decision !== 'allow') {
      await decideOnce(deps, record, csrf, now);
      rec.event('authorization_denied', { client_id: record.clientId });
      fail('consent.denied', 'The user declined the authorization on the consent page');
    }

    // Which claims to issue, per configuration; invalid edits re-show the page, undecided.
    const chosen: Record<string, { source: Persona['key']; claims: Record<string, unknown> | null }> = {};
    const edits: Record<string, { selected: Persona['key']; customText: string; problems: string[] }> = {};
    let invalid = false;
    for (const id of record.credentialConfigurationIds) {
      const configuration = deps.configurations.byId.get(id)!;
      const { personas, editable } = personasFor(configuration, session);
      const selected = (form[`persona.${id}`] ?? '') as Persona['key'];
      const customText = form[`claims.${id}`] ?? '';
      const persona = personas.find((p) => p.key === selected);
      let problems: string[] = [];
      if (!persona && !editable && (selected === 'custom' || selected === 'sample')) {
        // A form the page never showed: the operator's claims are not the holder's to replace.
        problems = [`the offer fixes the claims of ${id} (claims_editable is not true): only "${personas.map((p) => p.key).join('", "')}" can be chosen`];
        invalid = true;
        rec.diagnostic(diagnose('consent.claims.locked', `The consent form tried to replace the claims the offer fixes for ${id} (persona ${selected})`, { path: `body.persona.${id}`, found: selected }));
        edits[id] = { selected: personas[0].key, customText: JSON.stringify(personas[0].claims, null, 2), problems };
        continue;
      }
      if (!persona) problems = [`pick one of: ${personas.map((p) => p.key).join(', ')}`];
      else if (persona.key === 'custom') {
        const parsed = parseJson(customText);
        const result = parsed.ok ? validateClaims(configuration, parsed.value) : { ok: false as const, problems: [`claims: not valid JSON (${parsed.error})`] };
        if (result.ok) chosen[id] = { source: 'custom', claims: result.claims };
        else problems = result.problems;
      } else chosen[id] = { source: persona.key, claims: persona.claims };
      edits[id] = { selected: persona?.key ?? 'sample', customText, problems };
      if (problems.length) {
        invalid = true;
        rec.diagnostic(diagnose('consent.claims.invalid', `The claims chosen on the consent page do not fit ${id}: ${problems[0]}`, { path: `body.claims.${id}`, found: problems }));
      }
    }
    if (invalid) return { kind: 'page', status: 400, view: buildConsentView(deps, urls, record, session, csrf, edits) };

    await decideOnce(deps, record, csrf, now);
    for (const [id, choice] of Object.entries(chosen)) {
      // Offer claims are already the session's; a deferred choice leaves them to the operator.
      if (choice.claims && choice.source !== 'offer') await deps.store.sessions.supplyClaims(session.id, id, choice.claims, now);
    }
    const code = randomToken(32);
    // In the request's one commit, with its authorization_granted event.
    rec.create({ kind: 'authorization_code', code: {
      codeHash: hashSecret(code),
      sessionId: session.id,
      authorizationRequestId: record.id,
      clientId: record.clientId,
      redirectUri: record.redirectUri,
      codeChallenge: record.codeChallenge,
      dpopJkt: record.dpopJkt,
      credentialConfigurationIds: record.credentialConfigurationIds,
      detailsRequested: record.detailsRequested,
      scope: record.scope,
      familyId: `rtf_${randomToken(12)}`,
      expiresAt: now + deps.config.oauth.authorizationCodeTtlSeconds * 1000,
      consumedAt: null,
      createdAt: now,
    } });
    const sources = Object.fromEntries(Object.entries(chosen).map(([id, c]) => [id, c.source]));
    rec.event('authorization_granted', { client_id: record.clientId, credential_configuration_ids: record.credentialConfigurationIds, claims: sources });
    rec.log('info', 'User consented; authorization code issued', {
      authorization_request_id: record.id,
      code: redactSecret(deps.serverSecret, code),
      claims_source: sources,
      redirect_uri: record.redirectUri,
      expires_in: deps.config.oauth.authorizationCodeTtlSeconds,
    });
    return { kind: 'redirect', location: createRedirectLocation(record.redirectUri, { code, state: record.state, iss: urls.issuer }) };
  } catch (err) {
    if (!(err instanceof ProtocolError)) throw err;
    // Only a verified, live authorization may send the browser to its redirect URI.
    const redirectable = record && (err.diagnostic.code === 'consent.denied');
    return redirectable ? errorRedirect(err, record!.redirectUri, record!.state, urls, rec) : errorPage(err, rec);
  }
}

/** The one conditional update that makes a decision final; losing a race means someone else decided. */
async function decideOnce(deps: ConsentDeps, record: AuthorizationRequestRecord, csrf: string, now: number): Promise<void> {
  const decided = await deps.store.authorizations.decide(record.id, hashSecret(csrf), now);
  if (!decided) fail('consent.authorization.decided', 'This authorization was answered by another submission of the form');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: parseJsonLimited(text) };
  } catch (err) {
    return { ok: false, error: (err as Error).message.slice(0, 120) };
  }
}

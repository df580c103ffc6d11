import { diagnose, fail } from '../../core/diagnostics.js';
import type { CredentialConfiguration } from '../../credential-configurations/schema.js';
import { zCredentialRequest, issuePath, type CredentialRequest } from '../../schemas/credential-request.js';
import type { AccessTokenRecord, SessionRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls, ProtocolResponse, Recorder } from '../deps.js';
import type { ProtocolRequest } from '../request.js';
import { verifyAccessToken } from '../oauth/access-token.js';
import { createDeferredTransaction } from './deferred.js';
import { issueCredentials, type BoundKey } from './issue-credentials.js';
import { verifyProofs } from './proofs/verify-proofs.js';
import { importResponseKey, readRequestBody, sealResponse, verifyResponseEncryption } from './encryption.js';
import { createNotificationId } from './notification.js';
import { noteLegacyNonce } from '../drafts/legacy-nonce.js';
import { readDraftShapes } from '../drafts/read-credential-request.js';
import { shapeCredentialResponse } from '../drafts/response-shape.js';
import { injectCredentialFaults } from '../faults/inject.js';

/**
 * Credential endpoint, OID4VCI 1.0 §8. Reads like its checklist: token, body, which
 * credential, proofs (and the nonce they carry), then one credential per proven key.
 */
export async function handleCredentialRequest(
  deps: IssuerDeps,
  urls: IssuerUrls,
  http: ProtocolRequest,
  rec: Recorder,
): Promise<ProtocolResponse> {
  const token = await verifyAccessToken(deps, http.headers.authorization, rec, { header: http.headers.dpop, method: 'POST', url: urls.endpoint('credential') });
  // §10: a JSON body, or a JWE (application/jwt) decrypted with the issuer's request encryption key.
  const body = await readRequestBody(deps, http, rec);
  const parsed = parseCredentialRequest(body.value);
  const session = await deps.store.sessions.get(token.sessionId);
  if (!session) throw new Error(`Session ${token.sessionId} of a live access token is missing`);
  // Draft 13-15 shapes read as their 1.0 equivalent with a warning, or refused in strict mode.
  const { request, draft, requestedFormat } = readDraftShapes(deps, session, token, parsed, rec);

  const target = resolveRequestedCredential(deps, token, request, rec);
  rec.log('debug', 'Credential configuration resolved', {
    credential_configuration_id: target.configuration.id,
    credential_identifier: target.credentialIdentifier,
    format: target.configuration.format,
  });
  // §8.2, §10: checked (and the wallet key imported) before the proofs spend the c_nonce.
  const responseEncryption = verifyResponseEncryption(deps, request.credential_response_encryption, body.encrypted);
  await importResponseKey(responseEncryption);

  await injectCredentialFaults(deps, session, request, token.dpop, rec);
  const proven = await verifyProofs(deps, urls, target.configuration, request, token, rec, { requireKeyAttestation: session.options.requireKeyAttestation });
  noteLegacyNonce(proven[0]?.nonce, rec);
  const keys: BoundKey[] = proven.map((p) => ({ holderKey: p.holderKey, keySource: p.keySource, thumbprint: p.jwkThumbprint }));
  await countAgainstToken(deps, token, keys.length);
  // §9: a deferred session without claims for this configuration gets a transaction_id.
  if (session.options.deferred && !session.options.claims[target.configuration.id]) {
    return sealResponse(responseEncryption, await createDeferredTransaction(deps, session, target.configuration.id, target.credentialIdentifier, keys, rec, draft), rec);
  }

  const issued = await issueCredentials(deps, urls, session, target.configuration, target.credentialIdentifier, keys);
  for (const record of issued.records) rec.recordIssued(record);
  for (const entry of issued.statusEntries) rec.create({ kind: 'status_entry', entry });
  const { credentials } = issued;
  deps.selfCheck.schedule(rec, 'credential', issued.records.map((record, i) => ({ record, credential: credentials[i].credential, configuration: target.configuration })));

  rec.event('credential_issued', {
    credential_configuration_id: target.configuration.id,
    format: target.configuration.format,
    count: credentials.length,
    key_sources: proven.map((p) => p.keySource),
  });
  rec.log('info', `Issued ${credentials.length} ${target.configuration.format} credential(s)`, {
    credential_configuration_id: target.configuration.id,
    holder_keys: proven.map((p) => ({ source: p.keySource, did: p.holderKey.didUrl, jwk: p.holderKey.jwk })),
    valid_until: new Date(issued.validUntil).toISOString(),
    claims_source: issued.claimsSource,
  });
  // §8.3, §11: one notification_id per credential response.
  const notificationId = createNotificationId(deps, rec, session.id, target.configuration.id, issued.records.map((r) => r.id));
  const response = await shapeCredentialResponse(deps, draft, requestedFormat, { status: 200, headers: { 'cache-control': 'no-store' }, body: { credentials, notification_id: notificationId } }, rec);
  return sealResponse(responseEncryption, response, rec);
}

/**
 * One access token obtains at most CREDENTIALS_PER_ACCESS_TOKEN credentials (deferred ones
 * included): a leaked or looping token cannot mint without end. Counted once the proofs hold,
 * so a refused request costs the wallet nothing.
 */
async function countAgainstToken(deps: Pick<IssuerDeps, 'store' | 'config'>, token: AccessTokenRecord, count: number): Promise<void> {
  const max = deps.config.credentialsPerAccessToken;
  if ((await deps.store.tokens.countCredentials(token.tokenHash, count, max)) === null) {
    fail('credential.token.credentials_exhausted', `This access token may obtain ${max} credential(s) in all (CREDENTIALS_PER_ACCESS_TOKEN), and ${count} more would pass that`, {
      path: 'body.proofs',
      found: { requested: count },
      expected: `at most ${max} credentials per access token`,
    });
  }
}

/** Content type, JSON and depth limits are read by readRequestBody (encryption.ts). */
function parseCredentialRequest(body: unknown): CredentialRequest {
  const parsed = zCredentialRequest.safeParse(body);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail('credential.request.malformed', `${issuePath('body', issue.path)}: ${issue.message}`, { path: issuePath('body', issue.path) });
  }
  // A singular proof (drafts 13-15) is read by protocol/drafts/singular-proof.ts.
  return parsed.data;
}

interface RequestedCredential {
  configuration: CredentialConfiguration;
  credentialIdentifier: string | null;
}

/** §8.2: credential_identifier when the token response carried authorization_details, else credential_configuration_id. */
function resolveRequestedCredential(
  deps: Pick<IssuerDeps, 'configurations'>,
  token: AccessTokenRecord,
  request: CredentialRequest,
  rec: Recorder,
): RequestedCredential {
  const { credential_identifier: identifier, credential_configuration_id: configurationId } = request;
  if (identifier && configurationId) {
    fail('credential.request.both_identifiers', 'Both credential_identifier and credential_configuration_id were sent', { path: 'body' });
  }
  if (identifier) {
    const detail = token.authorizationDetails.find((d) => d.credential_identifiers.includes(identifier));
    if (!detail) {
      fail('credential.identifier.unknown', `credential_identifier ${identifier.slice(0, 60)} was not issued with this access token`, {
        path: 'body.credential_identifier',
        expected: `one of the credential_identifiers of the token response`,
      });
    }
    return { configuration: deps.configurations.byId.get(detail.credential_configuration_id)!, credentialIdentifier: identifier };
  }
  if (!configurationId) {
    fail('credential.request.no_identifier', request.format ? `The request names a format (${request.format.slice(0, 30)}) instead of a credential: drafts up to 14 did that` : 'The request names no credential', {
      path: 'body',
      found: Object.keys(request),
    });
  }
  const configuration = deps.configurations.byId.get(configurationId);
  if (!configuration) {
    fail('credential.configuration.unknown', `credential_configuration_id ${configurationId.slice(0, 80)} is not in the issuer metadata`, {
      path: 'body.credential_configuration_id',
    });
  }
  const detail = token.authorizationDetails.find((d) => d.credential_configuration_id === configurationId);
  if (!detail) {
    fail('credential.configuration.not_granted', `The access token does not cover ${configurationId}`, {
      path: 'body.credential_configuration_id',
      expected: `one of ${token.authorizationDetails.map((d) => d.credential_configuration_id).join(', ')}`,
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' },
    });
  }
  if (token.detailsReturned) {
    rec.diagnostic(
      diagnose('credential.request.configuration_id_with_identifiers', 'credential_configuration_id was sent although the token response carried credential_identifiers', {
        path: 'body.credential_configuration_id',
      }),
    );
  }
  return { configuration, credentialIdentifier: detail.credential_identifiers[0] ?? null };
}

export type { SessionRecord };

/**
 * Creating a presentation request (OpenID4VP 1.0 §5): a verification session, the request
 * object the wallet will fetch by reference, its single-use nonce and state, and for
 * direct_post.jwt an ephemeral ECDH-ES P-256 key whose public half goes into client_metadata
 * (HAIP §5: a fresh key per request). Plain data in, data out: the caller records it.
 */
import { generateKeyPairSync } from 'node:crypto';
import type { JWK } from 'jose';
import { hashSecret, newId, randomToken, redactSecret } from '../../core/ids.js';
import type { CreatePresentationRequest } from '../../schemas/verifier.js';
import type { SessionRecord } from '../../store/store.js';
import type { ClientIdPrefix, PresentationOptions, PresentationRequestRecord, ResponseMode } from '../../store/verification-records.js';
import { AdminRequestError } from '../admin-error.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../deps.js';
import { parseDcqlQuery } from './dcql.js';
import { DRAFT_REQUEST_NAMES, draftClientMetadata, draftRequestProblems, presentationDefinitionFrom } from './draft-request.js';

/** HAIP §5: verifiers accept both; the wallet picks (OpenID4VP 1.0 §8.3). */
export const RESPONSE_ENC_VALUES = ['A128GCM', 'A256GCM'] as const;
/** The audience of a request object when the wallet's metadata is static (OpenID4VP 1.0 §5.8). */
export const STATIC_WALLET_AUDIENCE = 'https://self-issued.me/v2';

export interface CreatedPresentationRequest {
  session_id: string;
  request_id: string;
  client_id: string;
  /** Only for draft_request client_id_scheme: client_id is then the bare identifier. */
  client_id_scheme?: ClientIdPrefix;
  response_mode: ResponseMode;
  request_uri: string;
  request_url: string;
  expires_at: string;
}

export async function createPresentationRequest(
  deps: Pick<IssuerDeps, 'clock' | 'config' | 'verifier' | 'serverSecret'>,
  urls: IssuerUrls,
  input: CreatePresentationRequest,
  rec: Recorder,
): Promise<CreatedPresentationRequest> {
  const preset = input.preset !== undefined ? deps.verifier.presets.find((p) => p.id === input.preset) : undefined;
  if (input.preset !== undefined && !preset) {
    throw new AdminRequestError(400, 'invalid_request', 'Unknown preset', [`preset: ${input.preset.slice(0, 60)} is not one of ${deps.verifier.presets.map((p) => p.id).join(', ')}`]);
  }
  const parsed = parseDcqlQuery(preset ? preset.dcql_query : input.dcql_query);
  if (!parsed.ok) throw new AdminRequestError(400, 'invalid_request', 'The DCQL query is not valid', parsed.problems);
  const prefix: ClientIdPrefix = input.client_id_prefix;
  const responseMode: ResponseMode = input.response_mode;
  if (input.faults?.require_encrypted_response && responseMode !== 'direct_post.jwt') {
    throw new AdminRequestError(400, 'invalid_request', 'require_encrypted_response needs response_mode direct_post.jwt', [
      'faults.require_encrypted_response: only direct_post.jwt carries an encrypted response (OpenID4VP 1.0 §8.3.1); drop response_mode or set it to direct_post.jwt',
    ]);
  }
  const responseUri = urls.endpoint('vp_response');
  const keys = deps.verifier.keys;
  const host = new URL(responseUri).hostname;
  // §5.9.3: with x509_san_dns the response_uri host must be a dNSName of the certificate.
  if (prefix === 'x509_san_dns' && !keys.dnsNames.includes(host)) {
    throw new AdminRequestError(400, 'invalid_request', 'x509_san_dns needs the response_uri host in the certificate', [
      `client_id_prefix: the verifier certificate names ${keys.dnsNames.join(', ') || 'no host'}, the response_uri host is ${host}; use x509_hash or a certificate for ${host}`,
    ]);
  }
  const draft = input.draft_request;
  const strict = input.strict ?? deps.config.verifier.mode === 'strict';
  if (draft) {
    if (strict) throw new AdminRequestError(400, 'invalid_request', 'Draft-shaped requests are not served in strict mode', [`draft_request: ${DRAFT_REQUEST_NAMES[draft]}; strict mode serves OpenID4VP 1.0 only (set strict: false)`]);
    const problems = draftRequestProblems(draft, parsed.query, prefix);
    if (problems.length) throw new AdminRequestError(400, 'invalid_request', 'The query cannot be asked in this draft shape', problems);
  }
  // Drafts 19-21 name the prefix in client_id_scheme and send the identifier bare; the wallet signs its KB-JWT for that.
  const clientId =
    draft === 'client_id_scheme'
      ? prefix === 'x509_san_dns' ? host : responseUri
      : prefix === 'x509_san_dns' ? `x509_san_dns:${host}` : prefix === 'x509_hash' ? `x509_hash:${keys.x509Hash}` : `redirect_uri:${responseUri}`;

  const now = deps.clock.nowMs();
  const expiresAt = now + (input.expires_in ?? deps.config.verifier.requestTtlSeconds) * 1000;
  const sessionId = newId('ses');
  const requestId = newId('vpr');
  const requestToken = randomToken(32);
  // §5.2: fresh, >= 128 bits, only unreserved characters (base64url qualifies).
  const nonce = randomToken(32);
  const state = randomToken(32);

  let encryptionKey: JWK | null = null;
  let publicEncryptionJwk: JWK | null = null;
  if (responseMode === 'direct_post.jwt') {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const kid = randomToken(16);
    const full = privateKey.export({ format: 'jwk' }) as JWK;
    encryptionKey = { ...full, kid };
    publicEncryptionJwk = { kty: 'EC', crv: 'P-256', x: full.x, y: full.y, kid, use: 'enc', alg: 'ECDH-ES' };
  }
  const clientMetadata = draft
    ? draftClientMetadata(publicEncryptionJwk ? { keys: [publicEncryptionJwk] } : null)
    : {
    vp_formats_supported: {
      'dc+sd-jwt': { 'sd-jwt_alg_values': ['ES256'], 'kb-jwt_alg_values': ['ES256'] },
      mso_mdoc: { issuerauth_alg_values: [-7], deviceauth_alg_values: [-7] },
    },
    ...(publicEncryptionJwk ? { jwks: { keys: [publicEncryptionJwk] }, encrypted_response_enc_values_supported: [...RESPONSE_ENC_VALUES] } : {}),
  };
  const dcqlQuery = (preset ? preset.dcql_query : input.dcql_query) as Record<string, unknown>;
  const requestObject: Record<string, unknown> = {
    client_id: clientId,
    ...(draft === 'client_id_scheme' ? { client_id_scheme: prefix } : {}),
    response_type: 'vp_token',
    response_mode: responseMode,
    response_uri: responseUri,
    nonce,
    state,
    ...(draft ? { presentation_definition: presentationDefinitionFrom(parsed.query, requestId) } : { dcql_query: dcqlQuery }),
    client_metadata: clientMetadata,
    aud: STATIC_WALLET_AUDIENCE,
  };
  const requestUri = `${urls.endpoint('vp_request')}/${requestToken}`;
  const options: PresentationOptions = {
    ...(preset ? { preset: preset.id } : {}),
    responseMode,
    clientIdPrefix: prefix,
    responseUri,
    strict,
    ...(draft ? { draftRequest: draft } : {}),
    faults: {
      ...(input.faults?.unsigned_request ? { unsignedRequest: true } : {}),
      ...(input.faults?.reject_first_response ? { rejectFirstResponse: true } : {}),
      ...(input.faults?.single_fetch ? { singleFetch: true } : {}),
      ...(input.faults?.require_encrypted_response ? { requireEncryptedResponse: true } : {}),
    },
    // As signed at each fetch; state is in it, so it is never presented (the session shows a redacted copy).
    requestObject,
  };
  const record: PresentationRequestRecord = {
    sessionId,
    requestTokenHash: hashSecret(requestToken),
    stateHash: hashSecret(state),
    encryptionKid: publicEncryptionJwk?.kid ?? null,
    responseCodeHash: null,
    nonce,
    clientId,
    options,
    dcqlQuery,
    encryptionKey,
    createdAt: now,
    expiresAt,
    fetches: 0,
    responses: 0,
    answeredAt: null,
    result: null,
  };
  const session: SessionRecord = {
    id: sessionId,
    kind: 'presentation',
    offerId: requestId,
    state: 'created',
    grantType: 'none',
    credentialConfigurationIds: [],
    offer: { ...requestObject, state: redactSecret(deps.serverSecret, state) },
    options: { claims: {}, deferred: false, requireWalletAttestation: false, requireKeyAttestation: false, byReference: true },
    createdAt: now,
    updatedAt: now,
    offerExpiresAt: expiresAt,
    offerFetches: 0,
  };
  rec.create({ kind: 'session', session });
  rec.create({ kind: 'presentation_request', request: record });
  rec.bindSession(sessionId);

  // §5.4: by reference (request_uri) for signed prefixes; redirect_uri requests cannot be signed
  // (no key to verify, §5.9.3), so the wallet gets them as plain parameters.
  const query =
    prefix === 'redirect_uri'
      ? new URLSearchParams(Object.entries(requestObject).filter(([k]) => k !== 'aud').map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]))
      : new URLSearchParams({ client_id: clientId, ...(draft === 'client_id_scheme' ? { client_id_scheme: prefix } : {}), request_uri: requestUri, ...(input.request_uri_method ? { request_uri_method: input.request_uri_method } : {}) });
  const requestUrl = `openid4vp://?${query.toString()}`;
  rec.event('request_created', {
    preset: preset?.id ?? null,
    client_id: clientId,
    response_mode: responseMode,
    strict: options.strict,
    faults: Object.keys(options.faults),
    credential_queries: parsed.query.credentials.map((c) => ({ id: c.id, format: c.format })),
    ...(draft ? { draft_request: draft } : {}),
  });
  rec.log('info', 'Presentation request created', {
    request_id: requestId,
    client_id: clientId,
    client_id_prefix: prefix,
    response_mode: responseMode,
    response_uri: responseUri,
    by_reference: prefix !== 'redirect_uri',
    request_uri_method: input.request_uri_method ?? 'get',
    nonce,
    state: redactSecret(deps.serverSecret, state),
    dcql_query: dcqlQuery,
    ...(draft ? { draft_request: DRAFT_REQUEST_NAMES[draft], presentation_definition: requestObject.presentation_definition } : {}),
    client_metadata: clientMetadata,
    expires_at: new Date(expiresAt).toISOString(),
  });
  return {
    session_id: sessionId,
    request_id: requestId,
    client_id: clientId,
    ...(draft === 'client_id_scheme' ? { client_id_scheme: prefix } : {}),
    response_mode: responseMode,
    request_uri: requestUri,
    request_url: requestUrl,
    expires_at: new Date(expiresAt).toISOString(),
  };
}

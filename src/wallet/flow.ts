/**
 * One issuance, start to end, against any OID4VCI issuer (1.0, or drafts 13–15 as the
 * @openid4vc/openid4vci client detects them): offer → metadata → token (pre-authorized with
 * tx_code, or authorization code) → nonce → proofs → credential (deferred polled) → stored and
 * decoded. Each step is reported; no secret is.
 */
import { preAuthorizedCodeGrantIdentifier, authorizationCodeGrantIdentifier, Oauth2ClientErrorResponseError, type AccessTokenResponse, type JwtSigner, type RequestDpopOptions } from '@openid4vc/oauth2';
import { Openid4vciRetrieveCredentialsError, type IssuerMetadataResult } from '@openid4vc/openid4vci';
import { authorizeWithCode } from './authorization-code.js';
import { createOauth2Client, createWalletClient, type CredentialEncryption } from './client.js';
import { decodeReceivedCredential, type CredentialView } from './decode.js';
import { createWalletKey, didsOf, type WalletKey } from './keys.js';
import type { Reporter } from './report.js';
import { storeCredential } from './storage.js';

export interface WalletOptions {
  offer: string;
  storeDir: string;
  reporter: Reporter;
  txCode?: string;
  /** Asked when the offer wants a tx_code and none was given (the CLI prompts on a TTY). */
  promptTxCode?: (txCode: { length?: number; input_mode?: string; description?: string }) => Promise<string>;
  flow?: 'pre-authorized_code' | 'authorization_code';
  configurationIds?: string[];
  clientId: string;
  redirectPort: number;
  onAuthorizationUrl: (url: string) => void;
  authorizationTimeoutMs: number;
  /** 'auto': DPoP when the AS advertises dpop_signing_alg_values_supported. */
  dpop: 'auto' | 'off';
  proofKey: 'jwk' | 'did:key' | 'did:jwk';
  deferredPollLimit: number;
  /** After invalid_grant for the tx_code, send the same code once more (the user re-typing the code they were given). */
  resendTxCode?: boolean;
  /** Proofs (keys, credentials) per credential request, capped by the issuer's batch_size; default 1. */
  batchSize?: number;
  /** Send a notification (credential_accepted) after storing each credential response (§11). */
  notify?: boolean;
  /**
   * Deliberate mistakes, for testing test plans: each makes the wallet fail exactly the
   * expectations that check it. Never for real use.
   */
  misbehave?: Misbehaviour;
}

export interface Misbehaviour {
  /** Give up after invalid_nonce instead of retrying with a fresh c_nonce. */
  ignoreInvalidNonce?: boolean;
  /** Send the token request without the tx_code the offer asks for. */
  skipTxCode?: boolean;
  /** Poll the deferred endpoint without waiting the interval. */
  pollFast?: boolean;
}

export interface ReceivedCredential {
  credential_configuration_id: string;
  format: string;
  file: string;
  key_file: string;
  view: CredentialView;
}

export interface WalletSummary {
  credential_issuer: string;
  detected_version: string;
  grant_type: string;
  token_type: string;
  dpop: boolean;
  credentials: ReceivedCredential[];
  steps: Reporter['steps'];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runWallet(opts: WalletOptions): Promise<WalletSummary> {
  const { reporter } = opts;
  const keys: WalletKey[] = [];
  const encryption: { current?: CredentialEncryption } = {};
  // The offer says whether the AS allows anonymous access only after metadata; client auth is set then.
  let client = createWalletClient({ keys, reporter, clientId: opts.clientId, anonymous: false, encryption });
  const credentialOffer = await client.resolveCredentialOffer(opts.offer);
  reporter.step('Credential offer resolved', {
    credential_issuer: credentialOffer.credential_issuer,
    credential_configuration_ids: credentialOffer.credential_configuration_ids,
    grants: Object.keys(credentialOffer.grants ?? {}),
    by_reference: opts.offer.includes('credential_offer_uri'),
  });
  const metadata: IssuerMetadataResult = await client.resolveIssuerMetadata(credentialOffer.credential_issuer);
  const as = metadata.authorizationServers[0];
  reporter.step('Issuer metadata fetched', {
    detected_version: metadata.originalDraftVersion,
    credential_endpoint: metadata.credentialIssuer.credential_endpoint,
    nonce_endpoint: metadata.credentialIssuer.nonce_endpoint ?? '(none: c_nonce from the token response, drafts <= 14)',
    authorization_servers: metadata.authorizationServers.map((a) => a.issuer),
    batch_size: metadata.credentialIssuer.batch_credential_issuance?.batch_size,
  });

  const useDpop = opts.dpop === 'auto' && (as?.dpop_signing_alg_values_supported ?? []).includes('ES256');
  let dpop: RequestDpopOptions | undefined;
  if (useDpop) {
    const dpopKey = createWalletKey(opts.storeDir, 'dpop');
    keys.push(dpopKey);
    dpop = { signer: { method: 'jwk', alg: 'ES256', publicJwk: dpopKey.publicJwk as never } };
  }

  const grants = credentialOffer.grants ?? {};
  const grantType = opts.flow ?? (grants[preAuthorizedCodeGrantIdentifier] ? 'pre-authorized_code' : 'authorization_code');
  // Anonymous only for a pre-authorized grant the AS opens to anyone (§12.3); a code grant always names the client.
  const anonymous = grantType === 'pre-authorized_code' && as?.['pre-authorized_grant_anonymous_access_supported'] === true;
  client = createWalletClient({ keys, reporter, clientId: opts.clientId, anonymous, encryption });
  // §10: encrypt credential requests when the metadata requires it, or once the issuer refuses a plain one.
  const requestEncryption = (metadata.credentialIssuer as Record<string, any>).credential_request_encryption as { jwks?: { keys?: Record<string, unknown>[] }; enc_values_supported?: string[]; encryption_required?: boolean } | undefined;
  const issuerEncryptionKey = requestEncryption?.jwks?.keys?.find((k) => k.use === undefined || k.use === 'enc');
  const encryptionOf = (): CredentialEncryption | undefined =>
    issuerEncryptionKey ? { issuerKey: issuerEncryptionKey as never, enc: requestEncryption?.enc_values_supported?.[0] ?? 'A128GCM', endpoints: [metadata.credentialIssuer.credential_endpoint] } : undefined;
  const responseEncryptionRequired = ((metadata.credentialIssuer as Record<string, any>).credential_response_encryption?.encryption_required ?? false) === true;
  if (requestEncryption?.encryption_required || responseEncryptionRequired) encryption.current = encryptionOf();
  let token: { accessTokenResponse: AccessTokenResponse; dpop?: RequestDpopOptions };
  if (grantType === 'pre-authorized_code') {
    const grant = grants[preAuthorizedCodeGrantIdentifier];
    if (!grant) throw new Error('the offer has no pre-authorized_code grant');
    let txCode = opts.misbehave?.skipTxCode ? undefined : opts.txCode;
    if (grant.tx_code && txCode === undefined && !opts.misbehave?.skipTxCode) {
      if (!opts.promptTxCode) throw new Error('the offer asks for a transaction code: pass --tx-code');
      txCode = await opts.promptTxCode(grant.tx_code);
    }
    // The library refuses to send a token request without the tx_code the offer asks for; the mistake hides the ask from it.
    const offerAsSeen = opts.misbehave?.skipTxCode ? { ...credentialOffer, grants: { ...grants, [preAuthorizedCodeGrantIdentifier]: { ...grant, tx_code: undefined } } } : credentialOffer;
    const redeem = (code: string | undefined) => client.retrievePreAuthorizedCodeAccessTokenFromOffer({ credentialOffer: offerAsSeen, issuerMetadata: metadata, ...(code !== undefined ? { txCode: code } : {}), ...(dpop ? { dpop } : {}) });
    try {
      token = await redeem(txCode);
    } catch (error) {
      // §6.3: a wrong transaction code is invalid_grant; the user may type it again (once here).
      // A typed code is asked for again; a given one (--tx-code) is sent again only where the user would (plan runs).
      const again = opts.promptTxCode && opts.txCode === undefined ? () => opts.promptTxCode!(grant.tx_code ?? {}) : opts.resendTxCode ? async () => txCode : undefined;
      if (txCode === undefined || !again || !(error instanceof Oauth2ClientErrorResponseError) || error.errorResponse.error !== 'invalid_grant') throw describeError(error);
      reporter.info(`transaction code refused (${error.errorResponse.error_description ?? 'invalid_grant'}): entering it again`);
      txCode = await again();
      token = await redeem(txCode);
    }
  } else {
    if (!grants[authorizationCodeGrantIdentifier] && Object.keys(grants).length > 0) throw new Error('the offer has no authorization_code grant');
    const ids = opts.configurationIds ?? credentialOffer.credential_configuration_ids;
    const scopes = ids.map((id) => metadata.credentialIssuer.credential_configurations_supported[id]?.scope).filter((s): s is string => !!s);
    token = await authorizeWithCode(client, createOauth2Client({ keys, reporter, clientId: opts.clientId, anonymous: false }), {
      credentialOffer, issuerMetadata: metadata, clientId: opts.clientId, redirectPort: opts.redirectPort, scope: scopes.join(' ') || undefined,
      dpop, reporter, onAuthorizationUrl: opts.onAuthorizationUrl, timeoutMs: opts.authorizationTimeoutMs,
    });
  }
  const tokenResponse = token.accessTokenResponse;
  dpop = token.dpop ?? dpop;
  reporter.step('Access token received', {
    grant_type: grantType, token_type: tokenResponse.token_type, expires_in: tokenResponse.expires_in,
    authorization_details: tokenResponse.authorization_details ?? '(none)', c_nonce_in_token_response: tokenResponse.c_nonce !== undefined,
  });

  const received: ReceivedCredential[] = [];
  let tokenNonce = tokenResponse.c_nonce as string | undefined;
  for (const configurationId of opts.configurationIds ?? credentialOffer.credential_configuration_ids) {
    const configuration = metadata.credentialIssuer.credential_configurations_supported[configurationId];
    if (!configuration) throw new Error(`configuration ${configurationId} is not in the issuer metadata`);
    // §8.2: one proof (and one credential) per key, up to the issuer's batch_size.
    const batch = Math.max(1, Math.min(opts.batchSize ?? 1, metadata.credentialIssuer.batch_credential_issuance?.batch_size ?? 1));
    const batchKeys = Array.from({ length: batch }, () => createWalletKey(opts.storeDir, 'binding'));
    keys.push(...batchKeys);
    const key = batchKeys[0];
    const attempt = async (nonce: string | undefined) => {
      const proofs = configuration.proof_types_supported
        ? await Promise.all(batchKeys.map(async (k) => (await client.createCredentialRequestJwtProof({ issuerMetadata: metadata, credentialConfigurationId: configurationId, signer: signerFor(k, opts.proofKey), nonce })).jwt))
        : undefined;
      return client.retrieveCredentials({
        issuerMetadata: metadata, accessToken: tokenResponse.access_token, credentialConfigurationId: configurationId,
        ...(proofs ? { proofs: { jwt: proofs } } : {}), ...(dpop ? { dpop } : {}),
      });
    };
    const nonce = metadata.credentialIssuer.nonce_endpoint ? (await client.requestNonce({ issuerMetadata: metadata })).c_nonce : tokenNonce;
    reporter.step(`Proof signed for ${configurationId}`, { key_id: key.id, key_as: opts.proofKey, nonce_source: metadata.credentialIssuer.nonce_endpoint ? 'nonce_endpoint' : 'token response' });
    let result;
    try {
      result = await attempt(nonce);
    } catch (error) {
      const body = error instanceof Openid4vciRetrieveCredentialsError ? error.response.credentialErrorResponseResult?.data : undefined;
      if (body?.error === 'invalid_encryption_parameters' && !encryption.current && encryptionOf()) {
        // §10: this issuer (or this offer) wants encrypted requests and responses: again, encrypted, with a fresh c_nonce.
        reporter.info(`invalid_encryption_parameters (${body.error_description ?? ''}): retrying once with an encrypted request`);
        encryption.current = encryptionOf();
        const fresh = metadata.credentialIssuer.nonce_endpoint ? (await client.requestNonce({ issuerMetadata: metadata })).c_nonce : nonce;
        result = await attempt(fresh);
      } else if (body?.error !== 'invalid_nonce' || opts.misbehave?.ignoreInvalidNonce) {
        throw describeError(error);
      } else if (body.c_nonce) {
        // Drafts <= 14: an invalid_nonce error body carries a fresh c_nonce; retry once with it.
        reporter.info('invalid_nonce with a fresh c_nonce in the error body: retrying once');
        tokenNonce = body.c_nonce;
        result = await attempt(body.c_nonce);
      } else if (metadata.credentialIssuer.nonce_endpoint) {
        // 1.0 §8.3.1.2: fetch a fresh c_nonce from the nonce endpoint, sign a new proof, retry once.
        reporter.info('invalid_nonce: fetching a fresh c_nonce and retrying once');
        result = await attempt((await client.requestNonce({ issuerMetadata: metadata })).c_nonce);
      } else {
        throw describeError(error);
      }
    }
    dpop = result.dpop && dpop ? { ...dpop, nonce: result.dpop.nonce } : dpop;
    let response: Record<string, unknown> = result.credentialResponse;
    for (let poll = 0; response.transaction_id && !response.credentials && poll < opts.deferredPollLimit; poll++) {
      const interval = typeof response.interval === 'number' ? response.interval : 5;
      reporter.step('Credential deferred', { transaction_id_present: true, interval, poll: poll + 1 });
      await sleep(opts.misbehave?.pollFast ? 0 : Math.min(interval, 30) * 1000);
      const deferred = await client.retrieveDeferredCredentials({ issuerMetadata: metadata, accessToken: tokenResponse.access_token, transactionId: response.transaction_id as string, ...(dpop ? { dpop } : {}) });
      response = deferred.deferredCredentialResponse as Record<string, unknown>;
    }
    const items = Array.isArray(response.credentials) ? response.credentials.map((c: unknown) => (c && typeof c === 'object' && 'credential' in c ? (c as { credential: unknown }).credential : c)) : response.credential !== undefined ? [response.credential] : [];
    if (items.length === 0) throw new Error(`no credential received for ${configurationId}${response.transaction_id ? ' (still deferred)' : ''}`);
    if (response.credential !== undefined) reporter.info('the response has a top-level credential: the draft <= 14 shape');
    for (const [i, credential] of items.entries()) {
      const receivedAt = new Date().toISOString();
      // §8.3: credentials come in the order of the proofs.
      const holder = batchKeys[i] ?? key;
      const file = storeCredential(opts.storeDir, { credential_issuer: credentialOffer.credential_issuer, credential_configuration_id: configurationId, format: configuration.format, credential, key_id: holder.id, received_at: receivedAt, ...(typeof response.notification_id === 'string' ? { notification_id: response.notification_id } : {}) }, i);
      const view = decodeReceivedCredential(configuration.format, credential, holder.publicJwk);
      received.push({ credential_configuration_id: configurationId, format: configuration.format, file, key_file: holder.file, view });
      reporter.step(`Credential received: ${configurationId}`, { stored_in: file, ...view });
    }
    if (opts.notify && typeof response.notification_id === 'string') {
      // §11.1: tell the issuer the credentials were stored.
      await client.sendNotification({ issuerMetadata: metadata, accessToken: tokenResponse.access_token, notification: { notificationId: response.notification_id, event: 'credential_accepted' }, ...(dpop ? { dpop } : {}) });
      reporter.step('Notification sent', { event: 'credential_accepted' });
    }
  }
  return { credential_issuer: credentialOffer.credential_issuer, detected_version: metadata.originalDraftVersion, grant_type: grantType, token_type: tokenResponse.token_type, dpop: !!dpop, credentials: received, steps: reporter.steps };
}

function signerFor(key: WalletKey, as: WalletOptions['proofKey']): JwtSigner {
  if (as === 'jwk') return { method: 'jwk', alg: 'ES256', publicJwk: key.publicJwk as never };
  const dids = didsOf(key.publicJwk);
  return { method: 'did', alg: 'ES256', didUrl: as === 'did:key' ? dids.didKeyUrl : dids.didJwkUrl };
}

/** The issuer's error body is what a user needs to see, not the library's stack. */
export function describeError(error: unknown): Error {
  if (error instanceof Openid4vciRetrieveCredentialsError) {
    const body = error.response.credentialErrorResponseResult?.data;
    return new Error(`credential request refused (HTTP ${error.response.response.status}): ${body ? `${body.error}${body.error_description ? `: ${body.error_description}` : ''}` : error.message}`);
  }
  if (error instanceof Oauth2ClientErrorResponseError) {
    const body = error.errorResponse;
    return new Error(`${error.message.split('.')[0]}: ${body.error}${body.error_description ? `: ${body.error_description}` : ''}`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

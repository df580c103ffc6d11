import type { Config } from '../config/config.js';
import type { Clock } from '../core/clock.js';
import type { CredentialConfigurationSet } from '../credential-configurations/load.js';
import type { IssuerKeyMaterial } from '../crypto/issuer-keys.types.js';
import type { RequestRecorder } from '../session-log/request-recorder.js';
import type { IssuedCredentialRecord, Store } from '../store/store.js';
import type { CredentialConfiguration } from '../credential-configurations/schema.js';
import type { TrustList } from '../crypto/attestation-trust.js';
import type { EncryptionKey } from '../crypto/encryption-key.js';
import type { VerifierKeyMaterial } from '../crypto/verifier-keys.js';
import type { PresentationPreset } from './oid4vp/presets.js';

/** Everything protocol code may use. Handlers ask for the narrowest `Pick` of it. */
export interface IssuerDeps {
  config: Readonly<Config>;
  clock: Clock;
  store: Store;
  configurations: CredentialConfigurationSet;
  keys: IssuerKeyMaterial;
  /** HMAC key shared by all instances on one database (DPoP nonces, consent CSRF tokens); see runtime.ts. */
  serverSecret: string;
  /** Wallet providers / key attesters this issuer trusts (crypto/attestation-trust.ts). */
  attestationTrust: { wallet: TrustList; key: TrustList };
  /** ECDH-ES key of encrypted credential requests (OID4VCI 1.0 §10). */
  encryptionKey: EncryptionKey;
  /** The OpenID4VP verifier: request-signing key, presets, issuers it trusts. */
  verifier: VerifierDeps;
  /** The issuer's re-reading of what it issued (src/self-check/, which builds on the inspector). */
  selfCheck: SelfCheck;
}

/**
 * Checks credentials just issued, after the reply, and records the outcome on their session.
 * Protocol code only asks for it; the implementation sits above protocol (src/self-check/),
 * because it reads credentials with the inspector, which itself builds on protocol.
 */
export interface SelfCheck {
  schedule(rec: Recorder, endpoint: string, items: IssuedForSelfCheck[]): void;
}

export interface IssuedForSelfCheck {
  record: IssuedCredentialRecord;
  credential: string;
  configuration: CredentialConfiguration;
}

export interface VerifierDeps {
  keys: VerifierKeyMaterial;
  presets: PresentationPreset[];
  /** This issuer's own root, plus VERIFIER_TRUST. */
  trust: TrustList;
  /** Fetches a status list (global fetch; tests may count calls). */
  fetch: typeof fetch;
}

/**
 * Absolute URLs for this request. Built in one place from PUBLIC_URL (or the proxy headers,
 * with TRUST_PROXY), so metadata, offer URIs and the expected proof `aud` always agree.
 */
export interface IssuerUrls {
  /** Credential Issuer Identifier (OID4VCI 1.0 §12.2.1), also the AS issuer identifier. */
  issuer: string;
  endpoint(name: EndpointName): string;
}

export type EndpointName =
  | 'token'
  | 'nonce'
  | 'credential'
  | 'deferred_credential'
  | 'notification'
  | 'jwks'
  | 'credential_offer'
  | 'session'
  | 'par'
  | 'authorization'
  | 'status_list'
  // The OpenID4VP verifier: request_uri (request object), response_uri, the same-device result page.
  | 'vp_request'
  | 'vp_response'
  | 'vp_result';

/** A protocol handler's answer; HTTP wiring turns it into a reply. */
export interface ProtocolResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type Recorder = Pick<RequestRecorder, 'bindSession' | 'log' | 'diagnostic' | 'event' | 'create' | 'recordIssued' | 'adoptRequest' | 'requestId' | 'afterFlush'>;

import type { JWK } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { CredentialConfiguration } from '../credential-configurations/schema.js';

/** The issuer's signing key and certificate chain, as every format needs it. */
export interface IssuerSigner {
  /** JOSE alg of the key; the COSE alg is derived from it (ES256 -> -7). */
  alg: 'ES256';
  privateKey: KeyObject;
  publicJwk: JWK;
  kid: string;
  /** DER certificates, document signer first, trust anchor (root) excluded (HAIP §6.1.1). */
  chainDer: Uint8Array[];
  /** The same chain as `x5c` values: standard base64 (not base64url) DER. */
  x5c: string[];
  /** Validity of the document-signer certificate; credentials must not outlive it. */
  certificateNotBefore: Date;
  certificateNotAfter: Date;
}

/** The wallet key a credential is bound to, as resolved from the proof. */
export interface HolderKey {
  /** Public JWK (no private members). */
  jwk: JWK;
  /** Set when the proof named the key by a DID URL (did:key / did:jwk). */
  didUrl?: string;
}

export interface IssueInput<C extends CredentialConfiguration = CredentialConfiguration> {
  configuration: C;
  /**
   * Claims as JSON. mso_mdoc: { namespace: { element: value } }; dc+sd-jwt: the claim set;
   * jwt_vc_json: the credentialSubject members.
   */
  claims: Record<string, unknown>;
  holderKey: HolderKey;
  signer: IssuerSigner;
  issuerIdentifier: string;
  issuedAt: Date;
  validUntil: Date;
  /** Token Status List reference (draft-ietf-oauth-status-list), when the issuer allocates one. */
  status?: { idx: number; uri: string };
}

/** What a format returns: the `credential` value of the credential response. */
export type IssuedCredential = string;

export type IssueCredential<C extends CredentialConfiguration = CredentialConfiguration> = (
  input: IssueInput<C>,
) => Promise<IssuedCredential>;

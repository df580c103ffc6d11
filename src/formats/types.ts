import type { JWK } from 'jose';
import type { KeyObject } from 'node:crypto';
import type { CredentialConfiguration } from '../credential-configurations/schema.js';
import type { IssuerSigner } from '../crypto/issuer-keys.types.js';

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

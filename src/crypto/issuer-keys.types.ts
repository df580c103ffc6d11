import type { IssuerSigner } from '../formats/types.js';

/** Everything the issuer publishes and signs with; loaded or generated once at start. */
export interface IssuerKeyMaterial {
  signer: IssuerSigner;
  /** PEM of the self-signed root (IACA-style), for download by wallets and verifiers. */
  rootCertificatePem: string;
  /** PEM of the document-signer certificate. */
  documentSignerCertificatePem: string;
  /** Public JWK Set the issuer publishes at jwks_uri. */
  jwks: { keys: import('jose').JWK[] };
}

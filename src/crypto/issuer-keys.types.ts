import type { JWK } from 'jose';
import type { KeyObject } from 'node:crypto';

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

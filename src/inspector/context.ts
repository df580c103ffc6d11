import type { CredentialConfigurationSet } from '../credential-configurations/load.js';
import type { JWK } from 'jose';
import type { TrustList } from '../crypto/attestation-trust.js';

/** What an inspection knows besides the pasted value. Time comes from the caller's clock. */
export interface InspectContext {
  nowSeconds: number;
  ignoreTime: boolean;
  /** For presentations: aud is the request's client_id; response_uri and the encryption key thumbprint (base64url) complete an mdoc SessionTranscript. */
  expected: { aud?: string; nonce?: string; htm?: string; htu?: string; response_uri?: string; jwk_thumbprint?: string };
  /** The issuer's policy values, so verdicts match what the issuer itself would decide. */
  proofPolicy: { iatSkewSeconds: number; maxAgeSeconds: number; nonceRequired: boolean };
  /** When inspecting for this issuer: its configurations (ids, proof algs) and public keys. */
  configurations?: CredentialConfigurationSet;
  issuerJwks?: { keys: JWK[] };
  /** PEM of the issuer's root, to tell whether a credential chains to it. */
  issuerRootPem?: string;
  /** The verifier's trust list (VERIFIER_TRUST plus this issuer's root), for presentations. */
  verifierTrust?: TrustList;
  /** STRICT_MODE of the issuer: draft request shapes fail instead of warn. */
  strict?: boolean;
}

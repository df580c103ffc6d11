/**
 * HAIP 1.0 (OpenID4VC High Assurance Interoperability Profile, final) requirements on the
 * issuer and its AS, as far as metadata shows them (HAIP §4, §4.1, §4.3, §7). Requirements that
 * only traffic can show (iss in the authorization response, DPoP nonces) are not judged here.
 */
import { Findings, isObject } from './findings.js';
import type { IssuerDocuments } from './fetch.js';

const H = 'HAIP 1.0' as const;

export function checkHaip(docs: IssuerDocuments, f: Findings): void {
  const m = docs.metadata;
  if (!m) return;
  const configs = isObject(m.credential_configurations_supported) ? Object.entries(m.credential_configurations_supported).filter(([, c]) => isObject(c)) as [string, Record<string, unknown>][] : [];
  for (const [id, c] of configs) {
    if (typeof c.scope !== 'string') f.error(H, 'haip.scope.missing', '§4.1', `configuration ${id} has no scope: HAIP wallets request credentials by scope`, `credential_configurations_supported.${id}.scope`);
    const proofAlgs = isObject(c.proof_types_supported) && isObject(c.proof_types_supported.jwt) ? c.proof_types_supported.jwt.proof_signing_alg_values_supported : undefined;
    if (Array.isArray(proofAlgs) && !proofAlgs.includes('ES256')) f.error(H, 'haip.proof_alg.es256', '§7', `configuration ${id}: jwt proofs must accept ES256`, `credential_configurations_supported.${id}.proof_types_supported.jwt`);
    const algs = c.credential_signing_alg_values_supported;
    if (c.format === 'mso_mdoc' && Array.isArray(algs) && !algs.some((a) => a === -7 || a === -9)) f.warn(H, 'haip.mdoc_alg', '§7', `configuration ${id}: HAIP verifiers validate COSE -7 / -9 (P-256, SHA-256)`, `credential_configurations_supported.${id}`);
    if (c.format === 'dc+sd-jwt' && Array.isArray(c.cryptographic_binding_methods_supported) && !c.cryptographic_binding_methods_supported.includes('jwk')) f.warn(H, 'haip.sd_jwt_binding', '§6.1', `configuration ${id}: HAIP SD-JWT VCs bind with cnf.jwk; advertise jwk`, `credential_configurations_supported.${id}`);
  }
  if (!configs.some(([, c]) => c.format === 'dc+sd-jwt' || c.format === 'mso_mdoc')) f.error(H, 'haip.formats', '§4', 'no dc+sd-jwt or mso_mdoc configuration: HAIP issuers support at least one', 'credential_configurations_supported');
  const binding = configs.some(([, c]) => c.cryptographic_binding_methods_supported !== undefined);
  if (binding && typeof m.nonce_endpoint !== 'string') f.error(H, 'haip.nonce_endpoint.missing', '§4.1', 'configurations require key binding but there is no nonce_endpoint', 'nonce_endpoint');
  f.info(H, 'haip.batch', '§4', m.batch_credential_issuance !== undefined ? `batch issuance signalled (batch_size ${(m.batch_credential_issuance as { batch_size?: unknown }).batch_size})` : 'no batch_credential_issuance: the wallet will request one credential per request', 'batch_credential_issuance');

  const as = docs.authorizationServers[0]?.metadata;
  if (!as) return f.error(H, 'haip.as_metadata.missing', '§4.1', 'no AS metadata: HAIP requires RFC 8414 metadata', 'as');
  // RFC 8414 §2: absent grant_types_supported means ["authorization_code", "implicit"].
  const grants = Array.isArray(as.grant_types_supported) ? as.grant_types_supported : ['authorization_code', 'implicit'];
  if (!grants.includes('authorization_code')) f.error(H, 'haip.authorization_code.missing', '§4', 'grant_types_supported lacks authorization_code: HAIP issuers must support the authorization code flow', 'as.grant_types_supported');
  if (typeof as.authorization_endpoint !== 'string') f.error(H, 'haip.authorization_endpoint.missing', '§4', 'no authorization_endpoint', 'as.authorization_endpoint');
  if (typeof as.pushed_authorization_request_endpoint !== 'string') f.error(H, 'haip.par.missing', '§4 (FAPI 2.0)', 'no pushed_authorization_request_endpoint: PAR is required', 'as.pushed_authorization_request_endpoint');
  else if (as.require_pushed_authorization_requests !== true) f.warn(H, 'haip.par.not_required', '§4 (FAPI 2.0)', 'require_pushed_authorization_requests is not true: plain authorization requests are accepted', 'as.require_pushed_authorization_requests');
  const pkce = Array.isArray(as.code_challenge_methods_supported) ? as.code_challenge_methods_supported : [];
  if (!pkce.includes('S256')) f.error(H, 'haip.pkce.s256', '§4 (FAPI 2.0)', 'code_challenge_methods_supported does not list S256', 'as.code_challenge_methods_supported');
  if (pkce.includes('plain')) f.warn(H, 'haip.pkce.plain', '§4 (FAPI 2.0)', 'code_challenge_methods_supported lists plain; FAPI 2.0 allows S256 only', 'as.code_challenge_methods_supported');
  const dpop = Array.isArray(as.dpop_signing_alg_values_supported) ? as.dpop_signing_alg_values_supported : undefined;
  if (!dpop) f.error(H, 'haip.dpop.missing', '§4', 'no dpop_signing_alg_values_supported: HAIP requires DPoP-bound tokens', 'as.dpop_signing_alg_values_supported');
  else if (!dpop.includes('ES256')) f.error(H, 'haip.dpop.es256', '§7', 'dpop_signing_alg_values_supported does not include ES256', 'as.dpop_signing_alg_values_supported');
  if (as.authorization_response_iss_parameter_supported !== true) f.error(H, 'haip.iss_parameter', '§4 (RFC 9207)', 'authorization_response_iss_parameter_supported is not true', 'as.authorization_response_iss_parameter_supported');
  if (as['pre-authorized_grant_anonymous_access_supported'] === true) f.warn(H, 'haip.anonymous_pre_auth', '§4.3', 'anonymous pre-authorized access is allowed; HAIP requires client authentication at the token endpoint', 'as');
  const auth = Array.isArray(as.token_endpoint_auth_methods_supported) ? as.token_endpoint_auth_methods_supported : [];
  if (!auth.includes('attest_jwt_client_auth')) f.warn(H, 'haip.wallet_attestation', '§4.4.1', 'token_endpoint_auth_methods_supported lacks attest_jwt_client_auth (wallet attestation, recommended for interoperability)', 'as.token_endpoint_auth_methods_supported');
}

/**
 * OID4VCI 1.0 final rules for Credential Issuer Metadata (§12.2.4, App. A–C) and the AS
 * metadata the wallet relies on (RFC 8414 §2/§3.3, OID4VCI §12.3). Draft leftovers get their
 * own findings naming the draft, since those are what break 1.0 wallets in practice.
 */
import { Findings, isObject, isUrl } from './findings.js';
import type { IssuerDocuments } from './fetch.js';

const P = 'OID4VCI 1.0' as const;
const FORMATS: Record<string, string | undefined> = { 'dc+sd-jwt': 'vct', mso_mdoc: 'doctype', jwt_vc_json: 'credential_definition', 'jwt_vc_json-ld': 'credential_definition', ldp_vc: 'credential_definition' };

export function checkIdentifier(identifier: string, f: Findings, allowHttp: boolean): void {
  const u = new URL(identifier);
  if (u.protocol !== 'https:') f.add({ id: 'issuer.identifier.https', severity: allowHttp ? 'warning' : 'error', profile: P, spec_ref: '§12.2.1', message: `the issuer identifier ${identifier} is not https`, at: 'issuer' });
  if (u.search || u.hash) f.error(P, 'issuer.identifier.query', '§12.2.1', 'the issuer identifier must not carry a query or fragment', 'issuer');
}

export function checkIssuerMetadata(docs: IssuerDocuments, f: Findings, allowHttp: boolean): void {
  const m = docs.metadata;
  if (!m) return;
  const url = (v: unknown) => isUrl(v, !allowHttp);
  if (m.credential_issuer !== docs.identifier) {
    const hint = typeof m.credential_issuer === 'string' && m.credential_issuer.replace(/\/+$/, '') === docs.identifier.replace(/\/+$/, '') ? ' (trailing slash: wallets compare the strings exactly)' : '';
    f.error(P, 'metadata.credential_issuer.mismatch', '§12.2.2', `credential_issuer ${JSON.stringify(m.credential_issuer)} is not the identifier ${docs.identifier}${hint}; wallets must discard such metadata`, 'credential_issuer');
  }
  if (!url(m.credential_endpoint)) f.error(P, 'metadata.credential_endpoint', '§12.2.4', `credential_endpoint ${m.credential_endpoint === undefined ? 'is missing' : `${JSON.stringify(m.credential_endpoint)} is not an https URL`}`, 'credential_endpoint');
  for (const name of ['nonce_endpoint', 'deferred_credential_endpoint', 'notification_endpoint']) {
    if (m[name] !== undefined && !url(m[name])) f.error(P, `metadata.${name}`, '§12.2.4', `${name} ${JSON.stringify(m[name])} is not an https URL`, name);
  }
  if (m.authorization_servers !== undefined && (!Array.isArray(m.authorization_servers) || m.authorization_servers.length === 0 || !m.authorization_servers.every((s) => typeof s === 'string'))) {
    f.error(P, 'metadata.authorization_servers', '§12.2.4', 'authorization_servers must be a non-empty array of AS identifiers', 'authorization_servers');
  }
  if (m.authorization_server !== undefined) f.warn(P, 'metadata.legacy.authorization_server', '§12.2.4', 'authorization_server (single string) is the draft 11 member; 1.0 uses authorization_servers (array)', 'authorization_server');
  if (m.signed_metadata !== undefined) f.warn(P, 'metadata.legacy.signed_metadata', '§12.2.3', 'signed_metadata inside the JSON is the draft 13-15 form; 1.0 serves signed metadata as application/jwt', 'signed_metadata');
  if (m.token_endpoint !== undefined) f.warn(P, 'metadata.legacy.token_endpoint', '§12.2.4', 'token_endpoint in issuer metadata was never specified; wallets must read it from the AS metadata', 'token_endpoint');
  if (m.credential_endpoint !== undefined && m.batch_credential_endpoint !== undefined) f.warn(P, 'metadata.legacy.batch_credential_endpoint', '§8.2', 'batch_credential_endpoint is draft 13; 1.0 batches through proofs + batch_credential_issuance', 'batch_credential_endpoint');
  const batch = m.batch_credential_issuance;
  if (batch !== undefined && !(isObject(batch) && Number.isInteger(batch.batch_size) && (batch.batch_size as number) >= 2)) {
    f.error(P, 'metadata.batch_credential_issuance', '§12.2.4', 'batch_credential_issuance needs batch_size, an integer >= 2', 'batch_credential_issuance');
  }
  const respEnc = m.credential_response_encryption;
  if (respEnc !== undefined && !(isObject(respEnc) && Array.isArray(respEnc.alg_values_supported) && Array.isArray(respEnc.enc_values_supported) && typeof respEnc.encryption_required === 'boolean')) {
    f.error(P, 'metadata.credential_response_encryption', '§12.2.4', 'credential_response_encryption needs alg_values_supported, enc_values_supported and encryption_required', 'credential_response_encryption');
  }
  const reqEnc = m.credential_request_encryption;
  if (reqEnc !== undefined && !(isObject(reqEnc) && isObject(reqEnc.jwks) && Array.isArray(reqEnc.jwks.keys) && Array.isArray(reqEnc.enc_values_supported) && typeof reqEnc.encryption_required === 'boolean')) {
    f.error(P, 'metadata.credential_request_encryption', '§12.2.4', `credential_request_encryption needs jwks as a JWK Set {"keys": [...]}${isObject(reqEnc) && Array.isArray(reqEnc.jwks) ? ' (a bare array, as in the erroneous 1.0 example)' : ''}, enc_values_supported and encryption_required`, 'credential_request_encryption');
  }
  if (m.display !== undefined && !(Array.isArray(m.display) && m.display.every(isObject))) f.warn(P, 'metadata.display', '§12.2.4', 'display must be an array of objects', 'display');
  const configs = m.credential_configurations_supported;
  if (!isObject(configs) || Object.keys(configs).length === 0) {
    f.error(P, 'metadata.credential_configurations_supported', '§12.2.4', 'credential_configurations_supported is missing or empty', 'credential_configurations_supported');
    return;
  }
  for (const [id, c] of Object.entries(configs)) checkConfiguration(id, c, f);
}

function checkConfiguration(id: string, c: unknown, f: Findings): void {
  const at = (member?: string) => `credential_configurations_supported.${id}${member ? `.${member}` : ''}`;
  if (!isObject(c)) return f.error(P, 'configuration.shape', '§12.2.4', 'the configuration is not an object', at());
  const format = c.format;
  if (typeof format !== 'string') return f.error(P, 'configuration.format', '§12.2.4', 'format is missing', at('format'));
  if (format === 'vc+sd-jwt') f.error(P, 'configuration.format.legacy', 'Appendix A.3', 'format vc+sd-jwt is the draft <= 14 identifier; 1.0 wallets look for dc+sd-jwt', at('format'));
  else if (!(format in FORMATS)) f.warn(P, 'configuration.format.unknown', 'Appendix A', `format ${format} is not one of the formats of Appendix A`, at('format'));
  if (format === 'dc+sd-jwt' || format === 'vc+sd-jwt') { if (typeof c.vct !== 'string') f.error(P, 'configuration.vct', 'Appendix A.3.2', 'vct is required for dc+sd-jwt', at('vct')); }
  if (format === 'mso_mdoc') {
    if (typeof c.doctype !== 'string') f.error(P, 'configuration.doctype', 'Appendix A.2.2', 'doctype is required for mso_mdoc', at('doctype'));
    const algs = c.credential_signing_alg_values_supported;
    if (Array.isArray(algs) && algs.some((a) => typeof a !== 'number')) f.error(P, 'configuration.mdoc_algs', 'Appendix A.2.2', `credential_signing_alg_values_supported ${JSON.stringify(algs)}: 1.0 uses COSE integers for mso_mdoc (e.g. -7); strings are the draft <= 15 form`, at('credential_signing_alg_values_supported'));
  }
  if (format === 'jwt_vc_json' && !(isObject(c.credential_definition) && Array.isArray(c.credential_definition.type))) f.error(P, 'configuration.credential_definition', 'Appendix A.1.1.2', 'credential_definition.type (array) is required for jwt_vc_json', at('credential_definition'));
  if ((format === 'ldp_vc' || format === 'jwt_vc_json-ld') && !(isObject(c.credential_definition) && Array.isArray(c.credential_definition['@context']) && Array.isArray(c.credential_definition.type))) {
    f.error(P, 'configuration.credential_definition', 'Appendix A.1.2.2', 'credential_definition needs @context and type arrays', at('credential_definition'));
  }
  const hasBinding = c.cryptographic_binding_methods_supported !== undefined;
  const hasProofs = c.proof_types_supported !== undefined;
  if (hasBinding !== hasProofs) f.error(P, 'configuration.binding_and_proofs', '§12.2.4', `proof_types_supported must be present if and only if cryptographic_binding_methods_supported is (found only ${hasBinding ? 'binding methods' : 'proof types'})`, at());
  if (hasBinding && !(Array.isArray(c.cryptographic_binding_methods_supported) && c.cryptographic_binding_methods_supported.length > 0)) f.error(P, 'configuration.binding_methods', '§12.2.4', 'cryptographic_binding_methods_supported must be a non-empty array', at('cryptographic_binding_methods_supported'));
  if (hasProofs) {
    if (!isObject(c.proof_types_supported)) f.error(P, 'configuration.proof_types', '§12.2.4', 'proof_types_supported must be an object keyed by proof type', at('proof_types_supported'));
    else for (const [type, p] of Object.entries(c.proof_types_supported)) {
      if (!(isObject(p) && Array.isArray(p.proof_signing_alg_values_supported) && p.proof_signing_alg_values_supported.length > 0)) f.error(P, 'configuration.proof_signing_algs', '§12.2.4', `proof_types_supported.${type} needs a non-empty proof_signing_alg_values_supported`, at(`proof_types_supported.${type}`));
      if (type === 'ldp_vp') f.warn(P, 'configuration.proof_type.legacy', 'Appendix F.2', 'proof type ldp_vp is the draft <= 15 name of di_vp', at('proof_types_supported'));
    }
  }
  if (c.display !== undefined || (c.claims !== undefined && !Array.isArray(c.claims))) f.warn(P, 'configuration.legacy.display_claims', '§12.2.4', 'display / claims at the configuration top level (or claims as a map) is the draft <= 15 shape; 1.0 puts them in credential_metadata with claims path arrays', at());
  if (c.credential_metadata !== undefined) checkCredentialMetadata(c.credential_metadata, format, f, at('credential_metadata'));
}

function checkCredentialMetadata(cm: unknown, format: string, f: Findings, at: string): void {
  if (!isObject(cm)) return f.error(P, 'credential_metadata.shape', '§12.2.4', 'credential_metadata is not an object', at);
  if (cm.display !== undefined && !(Array.isArray(cm.display) && cm.display.every((d) => isObject(d) && typeof d.name === 'string'))) f.error(P, 'credential_metadata.display', '§12.2.4', 'display must be an array of objects, each with a name', `${at}.display`);
  if (cm.claims === undefined) return;
  if (!Array.isArray(cm.claims)) return f.error(P, 'credential_metadata.claims', 'Appendix B.2', 'claims must be an array of claims descriptions', `${at}.claims`);
  const seen = new Set<string>();
  cm.claims.forEach((claim, i) => {
    const path = isObject(claim) ? claim.path : undefined;
    const valid = Array.isArray(path) && path.length > 0 && path.every((p) => typeof p === 'string' || p === null || (Number.isInteger(p) && (p as number) >= 0));
    if (!valid) return f.error(P, 'credential_metadata.claims.path', 'Appendix C', `claims[${i}].path must be a non-empty array of strings, non-negative integers or null`, `${at}.claims[${i}]`);
    if (format === 'mso_mdoc' && !(path.length >= 2 && typeof path[0] === 'string' && typeof path[1] === 'string')) f.error(P, 'credential_metadata.claims.mdoc_path', 'Appendix C', `claims[${i}].path: for mso_mdoc the first two elements are namespace and element identifier`, `${at}.claims[${i}]`);
    const key = JSON.stringify(path);
    if (seen.has(key)) f.error(P, 'credential_metadata.claims.duplicate', 'Appendix B.3', `claims[${i}].path ${key} appears twice; wallets abort processing`, `${at}.claims[${i}]`);
    seen.add(key);
  });
}

export function checkAuthorizationServers(docs: IssuerDocuments, f: Findings): void {
  for (const as of docs.authorizationServers) {
    const m = as.metadata;
    if (!m) continue;
    if (m.issuer !== as.issuer) f.error('RFC 8414', 'as.issuer.mismatch', '§3.3', `AS metadata issuer ${JSON.stringify(m.issuer)} is not ${as.issuer}`, 'as.issuer');
    if (typeof m.token_endpoint !== 'string') f.error('RFC 8414', 'as.token_endpoint', '§2', 'token_endpoint is missing', 'as.token_endpoint');
    const grants = Array.isArray(m.grant_types_supported) ? m.grant_types_supported : undefined;
    const preAuthOnly = !!grants && grants.length > 0 && grants.every((g) => g === 'urn:ietf:params:oauth:grant-type:pre-authorized_code');
    if (m.response_types_supported === undefined && !preAuthOnly) f.error('RFC 8414', 'as.response_types_supported', '§2', 'response_types_supported is required (only a pre-authorized-only AS may omit it, OID4VCI §12.2.4)', 'as.response_types_supported');
    if (m['pre-authorized_grant_anonymous_access_supported'] !== undefined && typeof m['pre-authorized_grant_anonymous_access_supported'] !== 'boolean') f.error(P, 'as.anonymous_access', '§12.3', 'pre-authorized_grant_anonymous_access_supported must be a boolean', 'as');
  }
  if (docs.jwks && !(docs.jwks.status === 200 && Array.isArray(docs.jwks.json?.keys))) f.warn('RFC 8414', 'as.jwks', '§2', `jwks_uri ${docs.jwks.url} did not return a JWK Set`, 'as.jwks_uri');
}

import { randomUUID } from 'node:crypto';
import { SignJWT, type JWTPayload } from 'jose';
import type { JwtVcConfiguration } from '../../credential-configurations/schema.js';
import type { IssueCredential } from '../types.js';
import { didOf, jsonClaims, publicHolderJwk, validityWindow } from '../sd-jwt-vc/common.js';

/**
 * `jwt_vc_json` (OID4VCI 1.0 App. A.1.1): a W3C VCDM 1.1 credential in the JWT encoding
 * (VCDM 1.1 §6.3.1), signed ES256 as a compact JWS with jose.
 *
 * Header `{alg: ES256, typ: JWT, kid, x5c}`. Registered claims mirror the `vc` members:
 * iss = vc.issuer, nbf/iat = vc.issuanceDate, exp = vc.expirationDate, jti (urn:uuid),
 * sub = vc.credentialSubject.id (only when the holder key was named by a DID URL). The holder
 * key is always bound with `cnf.jwk` as well.
 *
 * Status: a Token Status List reference goes into the top-level `status` claim
 * (draft-ietf-oauth-status-list §6.2, usable in any JWT) and is mirrored in
 * `vc.credentialStatus` (VCDM 1.1 §4.9 needs `id` + `type`; no registered type exists for a
 * Token Status List, hence the descriptive `TokenStatusListEntry`).
 */

export const VCDM_V1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';

/** xsd:dateTime without fractional seconds, e.g. 2025-01-01T00:00:00Z. */
function xsdDateTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export const issueJwtVcJson: IssueCredential<JwtVcConfiguration> = async (input) => {
  const { configuration, signer, holderKey } = input;
  if (configuration.format !== 'jwt_vc_json') {
    throw new TypeError(`issueJwtVcJson: configuration ${configuration.id} has format ${String(configuration.format)}`);
  }
  if (signer.alg !== 'ES256') throw new TypeError(`jwt_vc_json: unsupported signing alg ${String(signer.alg)}`);

  const { iat, exp, issuedAt, expiresAt } = validityWindow(input.issuedAt, input.validUntil, signer);
  const did = holderKey.didUrl ? didOf(holderKey.didUrl) : undefined;
  const claims = jsonClaims(input.claims);
  // The subject id is the holder's DID when there is one; otherwise whatever the claims say (if anything).
  if (did !== undefined) delete claims.id;

  // VCDM 1.1 §4.3: the first type is always VerifiableCredential.
  const configuredTypes = configuration.credential_definition.type;
  const type = configuredTypes.includes('VerifiableCredential')
    ? [...configuredTypes]
    : ['VerifiableCredential', ...configuredTypes];

  const vc: Record<string, unknown> = {
    '@context': [VCDM_V1_CONTEXT],
    type,
    issuer: input.issuerIdentifier,
    issuanceDate: xsdDateTime(issuedAt),
    expirationDate: xsdDateTime(expiresAt),
    credentialSubject: did !== undefined ? { id: did, ...claims } : claims,
  };
  const payload: JWTPayload = {
    iss: input.issuerIdentifier,
    ...(did !== undefined ? { sub: did } : {}),
    iat,
    nbf: iat,
    exp,
    jti: `urn:uuid:${randomUUID()}`,
    cnf: { jwk: publicHolderJwk(holderKey.jwk) },
  };
  if (input.status) {
    const statusList = { idx: input.status.idx, uri: input.status.uri };
    payload.status = { status_list: statusList };
    vc.credentialStatus = {
      id: `${statusList.uri}#${statusList.idx}`,
      type: 'TokenStatusListEntry',
      status_list: statusList,
    };
  }
  payload.vc = vc;

  return new SignJWT(payload)
    .setProtectedHeader({
      alg: 'ES256',
      typ: 'JWT',
      kid: signer.kid,
      ...(signer.x5c.length > 0 ? { x5c: signer.x5c } : {}),
    })
    .sign(signer.privateKey);
};

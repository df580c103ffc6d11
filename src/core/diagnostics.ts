/**
 * The one catalogue of diagnostics. Every refusal and warning the issuer produces comes from
 * here, so the wire error code, HTTP status, help text and spec reference of a mistake are
 * stated once and can be listed in the docs without drifting.
 */

import type { CatalogueEntry, Severity, SpecRef } from './catalogue-entry.js';
import { oid4vpEntries } from './diagnostics-oid4vp.js';

export type { CatalogueEntry, Severity, SpecRef } from './catalogue-entry.js';

const oid4vci = (section: string): SpecRef => ({ spec: 'OID4VCI 1.0', section });
const rfc = (n: number, section: string): SpecRef => ({ spec: `RFC ${n}`, section });
/** draft-ietf-oauth-attestation-based-client-auth, as pinned by OID4VCI 1.0 §14.7. */
const abca = (section: string): SpecRef => ({ spec: 'ABCA -07', section });

const entries = {
  // ---- generic request shape -------------------------------------------------------------
  'request.body.malformed_json': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'A syntactically valid JSON object body',
    help: 'The body could not be parsed as JSON. Check Content-Type and that the body is not truncated or double-encoded.',
    spec_ref: oid4vci('8.2'),
  },
  'request.body.too_large': {
    error: 'invalid_request', status: 413, severity: 'error',
    expected: 'A request body within the size limit',
    help: 'The body exceeds the configured limit. Proofs and requests are small; a large body usually means something unrelated was sent.',
    spec_ref: rfc(9110, '15.5.14'),
  },
  'request.body.unreadable': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'A request body that arrives whole, as its Content-Length and Content-Encoding say',
    help: 'The body could not be received: its size differs from Content-Length, it was cut off, or it uses an encoding the server does not read. Check the HTTP client and any proxy in between.',
    spec_ref: rfc(9110, '8.6'),
  },
  'request.content_type.unsupported': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'application/x-www-form-urlencoded at token/PAR, application/json at credential endpoints',
    help: 'Send the body with the content type the endpoint defines.',
    spec_ref: rfc(6749, '3.2'),
  },
  'request.route.unknown': {
    error: 'invalid_request', status: 404, severity: 'error',
    expected: 'An endpoint advertised in the issuer or authorization server metadata',
    help: 'Discover endpoints from /.well-known/openid-credential-issuer and /.well-known/oauth-authorization-server instead of guessing paths.',
    spec_ref: oid4vci('12.2.2'),
  },
  'request.rate_limited': {
    error: 'invalid_request', status: 429, severity: 'error',
    expected: 'fewer requests per minute from one client',
    help: 'Wait for the number of seconds in Retry-After. A wallet that loops on an error usually has a bug in its retry logic.',
    spec_ref: rfc(6585, '4'),
  },
  'server.internal': {
    error: 'server_error', status: 500, severity: 'error',
    expected: 'n/a',
    help: 'The issuer failed while handling a valid-looking request. The session log holds the details; please report it.',
    spec_ref: rfc(6749, '5.2'),
  },

  // ---- credential offer ----------------------------------------------------------------
  'offer.unknown': {
    error: 'invalid_request', status: 404, severity: 'error',
    expected: 'The credential_offer_uri exactly as received in the offer',
    help: 'No offer exists under this id. Create a fresh offer; ids are case-sensitive.',
    spec_ref: oid4vci('4.1.3'),
  },
  'offer.expired': {
    error: 'invalid_request', status: 410, severity: 'error',
    expected: 'An offer fetched before it expires',
    help: 'The offer has expired. Create a new offer and scan it again.',
    spec_ref: oid4vci('4.1.3'),
  },
  'offer.already_redeemed': {
    error: 'invalid_request', status: 410, severity: 'error',
    expected: 'An offer that has not been redeemed at the token endpoint yet',
    help: 'This offer was already exchanged for an access token. Offers can be fetched repeatedly only until the token exchange; after it the offer URI no longer hands out its code (it is a bearer capability, like the code).',
    spec_ref: oid4vci('4.1.3'),
  },

  // ---- token endpoint ----------------------------------------------------------------------
  'token.grant_type.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'grant_type form parameter',
    help: 'Send grant_type=urn:ietf:params:oauth:grant-type:pre-authorized_code with the pre-authorized_code from the offer.',
    spec_ref: rfc(6749, '4.1.3'),
  },
  'token.grant_type.unsupported': {
    error: 'unsupported_grant_type', status: 400, severity: 'error',
    expected: 'a grant type listed in grant_types_supported of the authorization server metadata',
    help: 'Check grant_types_supported in /.well-known/oauth-authorization-server.',
    spec_ref: rfc(6749, '5.2'),
  },
  'token.pre_authorized_code.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'pre-authorized_code form parameter (note the hyphen)',
    help: 'Copy the pre-authorized_code value from the grants object of the credential offer.',
    spec_ref: oid4vci('6.1'),
  },
  'token.pre_authorized_code.unknown': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a pre-authorized code issued by this issuer in a credential offer',
    help: 'The code is unknown here. Check that the wallet uses the offer from this issuer and does not alter the code.',
    spec_ref: oid4vci('6.3'),
  },
  'token.pre_authorized_code.expired': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a pre-authorized code used before it expires',
    help: 'The code has expired. Create a new offer.',
    spec_ref: oid4vci('6.3'),
  },
  'token.pre_authorized_code.reused': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a pre-authorized code that has not been redeemed before',
    help: 'Pre-authorized codes are single-use. The wallet (or a retry) already redeemed it; keep and reuse the access token instead.',
    spec_ref: oid4vci('13.6'),
  },
  'token.pre_authorized_code.burnt': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'the right transaction code within the allowed number of attempts',
    help: 'Too many wrong transaction codes were sent; the pre-authorized code is now invalid. Create a new offer.',
    spec_ref: oid4vci('13.6'),
  },
  'token.tx_code.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'tx_code form parameter, because the offer carried a tx_code object',
    help: 'The offer asked for a transaction code (even an empty tx_code object means ask the user). Prompt the user and send tx_code.',
    spec_ref: oid4vci('6.1'),
  },
  'token.tx_code.unexpected': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'no tx_code, because the offer did not carry a tx_code object',
    help: 'Only send tx_code when the offer grant contains a tx_code object.',
    spec_ref: oid4vci('6.3'),
  },
  'token.tx_code.mismatch': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'the transaction code delivered out of band',
    help: 'The transaction code is wrong. The number of attempts is limited; after that the offer is burnt.',
    spec_ref: oid4vci('6.3'),
  },
  'token.authorization_details.malformed': {
    error: 'invalid_authorization_details', status: 400, severity: 'error',
    expected: 'authorization_details: a JSON array of {type: "openid_credential", credential_configuration_id}',
    help: 'URL-encode a JSON array; each entry needs type openid_credential and a credential_configuration_id from the offer.',
    spec_ref: oid4vci('5.1.1'),
  },
  'token.authorization_details.not_offered': {
    error: 'invalid_authorization_details', status: 400, severity: 'error',
    expected: 'credential_configuration_id values that are in the offer',
    help: 'A pre-authorized code only covers the configurations of its offer.',
    spec_ref: oid4vci('6.1.1'),
  },

  'token.parameter.duplicated': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'each form parameter at most once',
    help: 'A parameter appears more than once in the form body; send it once.',
    spec_ref: rfc(6749, '3.2'),
  },
  'token.tx_code.legacy_user_pin': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'tx_code (OID4VCI 1.0 §6.1) instead of user_pin (drafts 11 and 12)',
    help: 'Accepted: user_pin was read as tx_code. Rename the parameter to tx_code.',
    spec_ref: oid4vci('6.1'),
  },

  // ---- nonce ---------------------------------------------------------------------------------
  // ---- credential endpoint: access token (RFC 6750) -----------------------------------------
  'credential.token.missing': {
    error: 'invalid_token', status: 401, severity: 'error',
    expected: 'Authorization: Bearer <access_token> (or DPoP <token> for DPoP-bound tokens)',
    help: 'Send the access token from the token response in the Authorization header.',
    spec_ref: rfc(6750, '3'),
  },
  'credential.token.unknown': {
    error: 'invalid_token', status: 401, severity: 'error',
    expected: 'an access token issued by this issuer',
    help: 'The access token is unknown. Use the token from this issuer\'s token response, unmodified.',
    spec_ref: oid4vci('8.3.1.1'),
  },
  'credential.token.revoked': {
    error: 'invalid_token', status: 401, severity: 'error',
    expected: 'an access token of a grant that was not replayed',
    help: 'The authorization code this token came from was presented a second time, or a rotated refresh token of its grant was used again: the issuer assumes the tokens leaked and revoked every access and refresh token of that grant. Run a new authorization, and make sure the wallet redeems a code once and keeps only the newest refresh token.',
    spec_ref: rfc(9700, '4.14.2'),
  },
  'credential.token.expired': {
    error: 'invalid_token', status: 401, severity: 'error',
    expected: 'an access token used before it expires',
    help: 'The access token has expired. Start issuance again.',
    spec_ref: oid4vci('8.3.1.1'),
  },

  // ---- credential request ----------------------------------------------------------------
  'credential.request.malformed': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'a JSON object with credential_identifier or credential_configuration_id, and proofs',
    help: 'See the path for the member that failed.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.request.both_identifiers': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'exactly one of credential_identifier and credential_configuration_id',
    help: 'Send credential_identifier when the token response had authorization_details, otherwise credential_configuration_id.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.request.no_identifier': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'credential_identifier or credential_configuration_id',
    help: 'Name the credential: credential_identifier from the token response authorization_details, or credential_configuration_id.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.request.configuration_id_with_identifiers': {
    error: 'invalid_credential_request', status: 400, severity: 'warning',
    expected: 'credential_identifier, because the token response carried authorization_details with credential_identifiers',
    help: 'Accepted in lenient mode. Strict 1.0 wallets send credential_identifier in this case.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.configuration.unknown': {
    error: 'unknown_credential_configuration', status: 400, severity: 'error',
    expected: 'a key of credential_configurations_supported',
    help: 'The configuration id is not in this issuer\'s metadata.',
    spec_ref: oid4vci('8.3.1.2'),
  },
  'credential.configuration.not_granted': {
    error: 'insufficient_scope', status: 403, severity: 'error',
    expected: 'a credential configuration covered by the access token',
    help: 'The token was granted for other configurations (those of the offer).',
    spec_ref: oid4vci('8.3.1.1'),
  },
  'credential.identifier.unknown': {
    error: 'unknown_credential_identifier', status: 400, severity: 'error',
    expected: 'a credential_identifier returned in the token response',
    help: 'Use one of the credential_identifiers from authorization_details in the token response.',
    spec_ref: oid4vci('8.3.1.2'),
  },
  'credential.request.content_type': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'Content-Type: application/json (application/jwt only for encrypted requests the issuer advertises)',
    help: 'Send the credential request as a JSON object with Content-Type application/json.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.token.credentials_exhausted': {
    error: 'credential_request_denied', status: 400, severity: 'error',
    expected: 'at most CREDENTIALS_PER_ACCESS_TOKEN credentials per access token (default 4 × batch_size)',
    help: 'This access token has obtained as many credentials as one token may. A wallet needs one credential per key, batch_size at most per request; requesting more in a loop is a bug. Start a new issuance for more.',
    spec_ref: oid4vci('8.3.1.2'),
  },
  'credential.issuance.failed': {
    error: 'credential_request_denied', status: 400, severity: 'error',
    expected: 'claims that can be encoded as the configuration declares',
    help: 'The claims supplied for this session could not be encoded in the credential format. Fix the claims of the offer; the wallet should not retry.',
    spec_ref: oid4vci('8.3.1.2'),
  },
  'credential.proofs.missing': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'proofs: {"jwt": ["<proof JWT>"]}, because the configuration has proof_types_supported',
    help: 'Fetch a c_nonce from the nonce endpoint, sign a proof JWT (typ openid4vci-proof+jwt, aud = issuer identifier, nonce) and send it in proofs.jwt.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.proofs.shape': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'proofs as an object with exactly one proof type key whose value is a non-empty array',
    help: 'Example: {"proofs": {"jwt": ["eyJ..."]}}.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.proofs.type_unsupported': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a proof type listed in the configuration proof_types_supported',
    help: 'Use a proof type this configuration advertises (jwt).',
    spec_ref: oid4vci('8.2'),
  },
  'credential.proofs.batch_too_large': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'no more proofs than batch_credential_issuance.batch_size',
    help: 'Send at most batch_size proofs in one request.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.proof.legacy_singular': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'proofs (plural, an object of arrays) as in OID4VCI 1.0',
    help: 'Strict mode: the singular proof object of drafts up to 15 is refused; 1.0 uses proofs: {"jwt": [...]}. (Lenient mode serves it with the warning draft.proof.singular.)',
    spec_ref: oid4vci('8.2'),
  },

  // ---- jwt proof (Appendix F.1 / F.4) -----------------------------------------------------
  'proof.jwt.malformed': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a compact JWS: three base64url parts separated by dots, header and payload JSON objects',
    help: 'Sign the proof as a compact JWT; do not send a JSON-serialised JWS or an unsigned token.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.typ': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'header typ "openid4vci-proof+jwt"',
    help: 'Set the JOSE header typ to openid4vci-proof+jwt exactly (not JWT, not an older draft value).',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.typ_not_canonical': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'header typ "openid4vci-proof+jwt"',
    help: 'Accepted: RFC 7515 §4.1.9 treats typ as a media type (case-insensitive, "application/" prefix optional), so this names the same type. Many issuers compare the exact string; send openid4vci-proof+jwt.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.alg_unsupported': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'an asymmetric alg from proof_signing_alg_values_supported (never none or HMAC)',
    help: 'Sign with one of the algorithms the configuration advertises, for example ES256.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.no_key': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'exactly one holder key in the header: jwk, x5c, key_attestation, or a resolvable DID URL in kid (did:key, did:jwk)',
    help: 'Put the public key in the header as jwk, or the certificate chain as x5c, or set kid to a did:key / did:jwk DID URL that encodes the key.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.multiple_keys': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'only one of jwk, x5c and kid in the header',
    help: 'jwk, x5c and kid are mutually exclusive in a proof header. Drop all but one.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.kid_not_resolvable': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'kid as a DID URL of a self-contained method (did:key, did:jwk), or a key in jwk / x5c',
    help: 'This issuer resolves did:key and did:jwk locally. Other kid values cannot be resolved: send the key as jwk instead.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.did_invalid': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a well-formed did:key (multibase base58btc, known multicodec) or did:jwk (base64url public JWK)',
    help: 'The DID in kid could not be decoded; see reason for the exact step that failed.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.did_without_fragment': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'kid as a DID URL with a #fragment naming the verification method',
    help: 'Accepted, because the DID has exactly one key. Strictly, kid is a DID URL such as did:key:z...#z...',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.binding_method_not_advertised': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'a key representation listed in cryptographic_binding_methods_supported',
    help: 'Accepted, because the key is self-contained and equivalent to a jwk.',
    spec_ref: oid4vci('12.2.4'),
  },
  'proof.jwt.jwk_invalid': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a public JWK (no private members) whose type fits alg',
    help: 'Send only the public part of the key, with kty/crv matching the signing algorithm.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.x5c_invalid': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'x5c: array of base64 (not base64url) DER certificates, leaf first',
    help: 'The leaf certificate could not be parsed or its key does not fit alg.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.signature': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a signature made by the private key of the key in the header',
    help: 'The signature does not verify with the header key. Typical causes: signed with another key, DER instead of raw r||s ECDSA signature, or the JWT was modified after signing.',
    spec_ref: oid4vci('Appendix F.4'),
  },
  'proof.jwt.aud': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'aud equal to the Credential Issuer Identifier (not the credential endpoint URL)',
    help: 'Set aud to the credential_issuer value from the issuer metadata, character for character (mind trailing slashes).',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.aud_array': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'aud as a string equal to the Credential Issuer Identifier',
    help: 'Accepted, because the array holds exactly the issuer identifier. Appendix F.1 defines aud as a string; send it as one.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.iat_missing': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'iat as a NumericDate (seconds since epoch)',
    help: 'Add iat with the current time in seconds.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.iat_skew': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'iat within the allowed window around the issuer clock',
    help: 'Check the device clock, and sign the proof right before sending it; iat is in seconds, not milliseconds.',
    spec_ref: oid4vci('13.8'),
  },
  'proof.jwt.iat_not_integer': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'iat as an integer NumericDate',
    help: 'Accepted: a fractional iat is a valid NumericDate, but some verifiers reject it.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.iss_with_anonymous_grant': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'no iss claim when the token came from an anonymous pre-authorized grant',
    help: 'Accepted. iss must be omitted in this case; it identifies the client.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.nonce_missing': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'nonce claim carrying a c_nonce from the nonce endpoint',
    help: 'POST to the nonce_endpoint, put the returned c_nonce into the proof nonce claim.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'proof.jwt.nonce_unknown': {
    error: 'invalid_nonce', status: 400, severity: 'error',
    expected: 'a c_nonce issued by this issuer nonce endpoint and not yet used or expired',
    help: 'The nonce is unknown, already used or expired. Nonces are single-use: fetch a fresh one from the nonce endpoint and sign a new proof.',
    spec_ref: oid4vci('7'),
  },
  'proof.jwt.nonce_mismatch_in_batch': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'the same c_nonce in every proof of one request',
    help: 'All proofs in one credential request must carry the same nonce.',
    spec_ref: oid4vci('8.2'),
  },
  'proof.jwt.duplicate_key': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a distinct key in every proof of a batch',
    help: 'Each key binds at most one credential; use one key per proof.',
    spec_ref: oid4vci('8.3'),
  },

  // ---- authorization request: PAR and authorization endpoint ----------------------
  'authorize.parameter.duplicated': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'each authorization request parameter at most once',
    help: 'A parameter appears more than once; send it once.',
    spec_ref: rfc(6749, '3.1'),
  },
  'authorize.client_id.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'client_id (any value: wallets are public clients and need no registration here)',
    help: 'Send the client_id of the wallet in the authorization request (and the same one at PAR and token).',
    spec_ref: rfc(6749, '4.1.1'),
  },
  'authorize.redirect_uri.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'redirect_uri: clients are not registered here, so every request names its redirect URI',
    help: 'Send redirect_uri in the authorization request and the same value at the token endpoint.',
    spec_ref: rfc(6749, '3.1.2'),
  },
  'authorize.redirect_uri.invalid': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an absolute URI without fragment: https, http only on loopback (127.0.0.1, [::1], localhost), or a private-use scheme such as com.example.wallet:/cb',
    help: 'Public clients redirect to https URLs, loopback http URLs (RFC 8252 §7.3) or a private-use URI scheme (RFC 8252 §7.1). javascript:, data: and similar schemes are refused.',
    spec_ref: rfc(6749, '3.1.2'),
  },
  'authorize.response_type.unsupported': {
    error: 'unsupported_response_type', status: 400, severity: 'error',
    expected: 'response_type=code',
    help: 'This authorization server supports the authorization code flow only (response_types_supported).',
    spec_ref: rfc(6749, '4.1.1'),
  },
  'authorize.pkce.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'code_challenge and code_challenge_method=S256 (PKCE is required, HAIP 1.0 §4)',
    help: 'Create a random code_verifier, send code_challenge = BASE64URL(SHA-256(code_verifier)) with code_challenge_method=S256, and the code_verifier at the token endpoint.',
    spec_ref: rfc(7636, '4.4.1'),
  },
  'authorize.pkce.method_unsupported': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'code_challenge_method=S256 (an absent method means plain, which is refused)',
    help: 'Only S256 is accepted (code_challenge_methods_supported). Send code_challenge_method=S256 explicitly.',
    spec_ref: rfc(7636, '4.3'),
  },
  'authorize.pkce.challenge_malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'code_challenge: 43 base64url characters (an unpadded SHA-256 digest)',
    help: 'code_challenge is BASE64URL-ENCODE(SHA256(ASCII(code_verifier))) without padding: exactly 43 characters.',
    spec_ref: rfc(7636, '4.2'),
  },
  'authorize.issuer_state.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'issuer_state from the authorization_code grant of a credential offer',
    help: 'This playground ties every authorization to an offer: create an offer with grants.authorization_code and echo its issuer_state in the authorization request.',
    spec_ref: oid4vci('5.1.3'),
  },
  'authorize.issuer_state.unknown': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'issuer_state exactly as received in the credential offer',
    help: 'The issuer_state is not known here. Use the value from this issuer\'s offer, unmodified.',
    spec_ref: oid4vci('5.1.3'),
  },
  'authorize.issuer_state.expired': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an issuer_state of an offer that has not expired',
    help: 'The offer behind this issuer_state has expired. Create a new offer.',
    spec_ref: oid4vci('5.1.3'),
  },
  'authorize.issuer_state.redeemed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an issuer_state whose offer has not been exchanged for a token yet',
    help: 'The offer was already redeemed at the token endpoint; use the refresh token for more credentials, or create a new offer.',
    spec_ref: oid4vci('5.1.3'),
  },
  'authorize.scope.ignored': {
    error: 'invalid_scope', status: 400, severity: 'warning',
    expected: 'scope values from the scope of a credential configuration in the issuer metadata',
    help: 'Accepted: unknown scope values are ignored (OID4VCI 1.0 §5.1.2).',
    spec_ref: oid4vci('5.1.2'),
  },
  'authorize.scope.not_offered': {
    error: 'invalid_scope', status: 400, severity: 'error',
    expected: 'scopes of the configurations in the offer behind issuer_state',
    help: 'An authorization tied to an offer covers only the offered configurations.',
    spec_ref: oid4vci('5.1.2'),
  },
  'authorize.credentials.defaulted': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'scope or authorization_details naming the credentials to issue',
    help: 'Accepted: the request named no credential, so the configurations of the offer were authorized. HAIP wallets send the configuration scope.',
    spec_ref: oid4vci('5.1'),
  },
  'authorize.authorization_details.malformed': {
    error: 'invalid_authorization_details', status: 400, severity: 'error',
    expected: 'authorization_details: JSON array of {"type": "openid_credential", "credential_configuration_id": ...}',
    help: 'Each entry needs type openid_credential and a credential_configuration_id; the format-based entries of drafts up to 15 are not accepted.',
    spec_ref: oid4vci('5.1.1'),
  },
  'authorize.authorization_details.not_offered': {
    error: 'invalid_authorization_details', status: 400, severity: 'error',
    expected: 'credential_configuration_id values of the offer behind issuer_state',
    help: 'An authorization tied to an offer covers only the offered configurations.',
    spec_ref: oid4vci('5.1.1'),
  },
  'authorize.authorization_details.locations': {
    error: 'invalid_authorization_details', status: 400, severity: 'error',
    expected: 'locations, when present, containing the Credential Issuer Identifier',
    help: 'Set locations to [credential_issuer] or leave it out.',
    spec_ref: oid4vci('5.1.1'),
  },
  'authorize.resource.mismatch': {
    error: 'invalid_target', status: 400, severity: 'error',
    expected: 'resource equal to the Credential Issuer Identifier',
    help: 'Send resource = credential_issuer from the issuer metadata, or leave it out.',
    spec_ref: rfc(8707, '2'),
  },
  'authorize.request_object.unsupported': {
    error: 'request_not_supported', status: 400, severity: 'error',
    expected: 'plain authorization parameters (pushed with PAR), not a request object',
    help: 'Request objects (JAR, the request parameter) are not supported; push the parameters to the PAR endpoint instead.',
    spec_ref: rfc(9101, '6.1'),
  },
  'authorize.dpop_jkt.malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'dpop_jkt: the base64url SHA-256 JWK thumbprint (43 characters) of the DPoP key',
    help: 'Compute dpop_jkt as in RFC 7638 with SHA-256, base64url without padding.',
    spec_ref: rfc(9449, '10'),
  },
  'authorize.dpop_jkt.mismatch': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'dpop_jkt equal to the thumbprint of the key of the DPoP proof sent with the request',
    help: 'dpop_jkt and the DPoP header at PAR must name the same key; send only one of them.',
    spec_ref: rfc(9449, '10.1'),
  },
  'authorize.par.required': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'request_uri from the pushed authorization request endpoint (require_pushed_authorization_requests is true)',
    help: 'POST the authorization parameters to pushed_authorization_request_endpoint first, then open /authorize?client_id=...&request_uri=... with the returned request_uri.',
    spec_ref: rfc(9126, '5'),
  },
  'authorize.request_uri.unknown': {
    error: 'invalid_request_uri', status: 400, severity: 'error',
    expected: 'a request_uri returned by this issuer PAR endpoint',
    help: 'The request_uri is unknown here. Use the value from the PAR response unmodified.',
    spec_ref: rfc(9126, '4'),
  },
  'authorize.request_uri.expired': {
    error: 'invalid_request_uri', status: 400, severity: 'error',
    expected: 'a request_uri used within expires_in of the PAR response',
    help: 'The request_uri expired; push the request again and open the authorization URL right away.',
    spec_ref: rfc(9126, '2.2'),
  },
  'authorize.request_uri.used': {
    error: 'invalid_request_uri', status: 400, severity: 'error',
    expected: 'a request_uri used once',
    help: 'request_uri values are one-time. Push the request again for a new authorization.',
    spec_ref: rfc(9126, '4'),
  },
  'authorize.request_uri.client_mismatch': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'the client_id that pushed the request',
    help: 'Send the same client_id at the authorization endpoint as at PAR.',
    spec_ref: rfc(9126, '4'),
  },
  'authorize.request_uri.extra_parameters': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'only client_id and request_uri at the authorization endpoint after PAR',
    help: 'Accepted: other parameters are ignored; only the pushed ones count.',
    spec_ref: rfc(9126, '4'),
  },
  'par.request_uri.forbidden': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'no request_uri parameter in a pushed authorization request',
    help: 'Push the authorization parameters themselves; request_uri is what PAR returns.',
    spec_ref: rfc(9126, '2.1'),
  },
  'consent.authorization.unknown': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a pending authorization of this issuer',
    help: 'The consent form refers to an authorization that does not exist. Start again from the wallet.',
    spec_ref: rfc(6749, '4.1.1'),
  },
  'consent.authorization.expired': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'consent given before the page expires (AUTHORIZATION_TTL_SECONDS)',
    help: 'The login/consent page expired. Start the authorization again from the wallet.',
    spec_ref: rfc(6749, '4.1.1'),
  },
  'consent.authorization.decided': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'one decision per authorization',
    help: 'This authorization was already answered (the form was submitted twice). Continue in the wallet.',
    spec_ref: rfc(6749, '10.12'),
  },
  'consent.csrf.invalid': {
    error: 'invalid_request', status: 403, severity: 'error',
    expected: 'the csrf_token of the page that showed this authorization',
    help: 'The form did not come from the consent page of this authorization (CSRF protection). Reload the authorization from the wallet.',
    spec_ref: rfc(6749, '10.12'),
  },
  'consent.claims.locked': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'the claims the offer carries (the offer does not set claims_editable: true)',
    help: 'The operator set the claims of this credential on the offer; the consent page issues exactly those. Create the offer with claims_editable: true to let the holder pick a persona or edit them.',
    spec_ref: oid4vci('Appendix B.2'),
  },
  'consent.claims.invalid': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'claims that fit the credential configuration',
    help: 'Fix the claims JSON shown on the page (the problems name each path) or pick a persona.',
    spec_ref: oid4vci('Appendix B.2'),
  },
  'consent.denied': {
    error: 'access_denied', status: 400, severity: 'error',
    expected: 'consent by the user',
    help: 'The user declined on the consent page. The wallet should show this and may start again.',
    spec_ref: rfc(6749, '4.1.2.1'),
  },

  // ---- token endpoint: authorization code and refresh token grants -----------------
  'token.code.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'code form parameter with the authorization code from the redirect',
    help: 'Send the code from the authorization response.',
    spec_ref: rfc(6749, '4.1.3'),
  },
  'token.code.unknown': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'an authorization code issued by this authorization server',
    help: 'The code is unknown here. Use the code from the redirect unmodified (URL-decode it once).',
    spec_ref: rfc(6749, '5.2'),
  },
  'token.code.expired': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'an authorization code redeemed within AUTHORIZATION_CODE_TTL_SECONDS',
    help: 'Authorization codes are short-lived; redeem the code right after the redirect.',
    spec_ref: rfc(6749, '4.1.2'),
  },
  'token.code.reused': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'an authorization code redeemed once',
    help: 'Codes are single-use; a second redemption also revokes every access and refresh token issued for the code.',
    spec_ref: rfc(6749, '4.1.2'),
  },
  'token.client_id.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'client_id form parameter (public clients identify themselves at the token endpoint)',
    help: 'Send the same client_id as in the authorization request.',
    spec_ref: rfc(6749, '4.1.3'),
  },
  'token.client_id.mismatch': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'the client_id the code or refresh token was issued to',
    help: 'Send the same client_id as in the authorization request.',
    spec_ref: rfc(6749, '4.1.3'),
  },
  'token.redirect_uri.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'redirect_uri form parameter, identical to the one of the authorization request',
    help: 'The authorization request carried redirect_uri, so the token request must repeat it.',
    spec_ref: rfc(6749, '4.1.3'),
  },
  'token.redirect_uri.mismatch': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'redirect_uri identical (character for character) to the one of the authorization request',
    help: 'Send exactly the redirect_uri of the authorization request.',
    spec_ref: rfc(6749, '4.1.3'),
  },
  'token.code_verifier.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'code_verifier form parameter (the PKCE secret behind code_challenge)',
    help: 'Send the code_verifier whose S256 challenge was in the authorization request.',
    spec_ref: rfc(7636, '4.5'),
  },
  'token.code_verifier.malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'code_verifier of 43 to 128 characters from A-Z a-z 0-9 - . _ ~',
    help: 'A code_verifier is high-entropy text of 43 to 128 unreserved characters.',
    spec_ref: rfc(7636, '4.1'),
  },
  'token.code_verifier.mismatch': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a code_verifier whose BASE64URL(SHA-256) equals the code_challenge',
    help: 'The verifier does not belong to this authorization; keep the verifier of the request that got this code.',
    spec_ref: rfc(7636, '4.6'),
  },
  'token.dpop.required': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'a DPoP header with a proof JWT (DPoP-bound tokens are required here)',
    help: 'Sign a DPoP proof (typ dpop+jwt, htm POST, htu = token endpoint) and send it in the DPoP header.',
    spec_ref: rfc(9449, '5'),
  },
  'token.dpop.binding_mismatch': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a DPoP proof signed by the key the code was bound to at PAR (dpop_jkt or DPoP header)',
    help: 'Use the same DPoP key at PAR and at the token endpoint.',
    spec_ref: rfc(9449, '10'),
  },
  'token.refresh_token.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'refresh_token form parameter',
    help: 'Send the refresh_token of the latest token response.',
    spec_ref: rfc(6749, '6'),
  },
  'token.refresh_token.unknown': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a refresh token issued by this authorization server',
    help: 'The refresh token is unknown here. Use the latest one, unmodified.',
    spec_ref: rfc(6749, '6'),
  },
  'token.refresh_token.expired': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a refresh token within its lifetime (REFRESH_TOKEN_TTL_SECONDS from the first token)',
    help: 'The refresh token family expired; run a new authorization.',
    spec_ref: rfc(6749, '6'),
  },
  'token.refresh_token.reused': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'the latest refresh token (each one is rotated on use)',
    help: 'A refresh token that was already rotated was used again; as RFC 9700 §4.14.2 asks, every refresh and access token of its grant is now revoked. Keep only the newest refresh token.',
    spec_ref: rfc(9700, '4.14.2'),
  },
  'token.refresh_token.revoked': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a refresh token of a family that is not revoked',
    help: 'The family was revoked after a rotated refresh token (or the code) was used twice. Run a new authorization.',
    spec_ref: rfc(9700, '4.14.2'),
  },
  'token.refresh_token.dpop_required': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'a DPoP proof of the key the refresh token is bound to',
    help: 'Refresh tokens of public clients are bound to the DPoP key of the first token request; send a proof with that key.',
    spec_ref: rfc(9449, '5'),
  },
  'token.refresh_token.dpop_mismatch': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'a DPoP proof of the key the refresh token is bound to',
    help: 'Sign the DPoP proof with the key used when the refresh token was issued.',
    spec_ref: rfc(9449, '5'),
  },

  // ---- DPoP proofs (RFC 9449), at PAR, token and resource endpoints -----------------
  'dpop.proof.multiple': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'exactly one DPoP header',
    help: 'Send a single DPoP header with one proof JWT.',
    spec_ref: rfc(9449, '4.3'),
  },
  'dpop.proof.malformed': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'a compact JWS with JSON header and claims',
    help: 'The DPoP header must carry one signed JWT (three base64url parts).',
    spec_ref: rfc(9449, '4.2'),
  },
  'dpop.proof.typ': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'header typ "dpop+jwt"',
    help: 'Set the JOSE header typ of the proof to dpop+jwt.',
    spec_ref: rfc(9449, '4.2'),
  },
  'dpop.proof.alg_unsupported': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'an asymmetric alg from dpop_signing_alg_values_supported',
    help: 'Sign the proof with an algorithm the authorization server metadata lists (ES256 is always accepted).',
    spec_ref: rfc(9449, '4.2'),
  },
  'dpop.proof.jwk_invalid': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'header jwk: the public key only (no private members), matching alg',
    help: 'Put the public JWK of the DPoP key in the header; never the private key.',
    spec_ref: rfc(9449, '4.2'),
  },
  'dpop.proof.signature': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'a signature made by the key in the header jwk',
    help: 'The proof does not verify with its own header key. Check that you sign with the private key of that jwk (ECDSA signatures raw r||s, not DER).',
    spec_ref: rfc(9449, '4.3'),
  },
  'dpop.proof.htm': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'htm equal to the HTTP method of this request',
    help: 'Set htm to the method of the request the proof is sent with (POST for PAR, token and credential).',
    spec_ref: rfc(9449, '4.3'),
  },
  'dpop.proof.htu': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'htu equal to the URL of this endpoint as advertised in metadata, without query and fragment',
    help: 'Take htu from the metadata endpoint URL (scheme, host, port, path), not from a rewritten or proxied URL.',
    spec_ref: rfc(9449, '4.3'),
  },
  'dpop.proof.iat': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'iat (seconds) within the accepted window around the server clock',
    help: 'Create a fresh proof for every request, with iat = now in seconds; check the device clock.',
    spec_ref: rfc(9449, '4.3'),
  },
  'dpop.proof.jti_missing': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'jti: a unique identifier (at most 256 characters)',
    help: 'Give every proof a fresh random jti.',
    spec_ref: rfc(9449, '4.2'),
  },
  'dpop.proof.jti_replayed': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'a jti not seen before with this key',
    help: 'This proof (its jti) was already used. Create a new proof for every request, also for retries.',
    spec_ref: rfc(9449, '11.1'),
  },
  'dpop.proof.ath_missing': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'ath: BASE64URL(SHA-256(access token)), because an access token is presented',
    help: 'Proofs sent with an access token must carry its hash in ath.',
    spec_ref: rfc(9449, '4.3'),
  },
  'dpop.proof.ath_mismatch': {
    error: 'invalid_dpop_proof', status: 400, severity: 'error',
    expected: 'ath equal to BASE64URL(SHA-256(access token)) of the token in the Authorization header',
    help: 'Hash exactly the access token string sent in Authorization.',
    spec_ref: rfc(9449, '4.3'),
  },
  'dpop.nonce.missing': {
    error: 'use_dpop_nonce', status: 400, severity: 'error',
    expected: 'nonce claim with the value of the DPoP-Nonce response header',
    help: 'This server requires DPoP nonces: retry with a new proof carrying the DPoP-Nonce value of this response.',
    spec_ref: rfc(9449, '8'),
  },
  'dpop.nonce.invalid': {
    error: 'use_dpop_nonce', status: 400, severity: 'error',
    expected: 'a current DPoP-Nonce issued by this server',
    help: 'The nonce is unknown or too old: retry with a new proof carrying the DPoP-Nonce value of this response.',
    spec_ref: rfc(9449, '8'),
  },
  'credential.token.dpop_as_bearer': {
    error: 'invalid_token', status: 401, severity: 'error',
    expected: 'Authorization: DPoP <token> with a DPoP proof, because the token is DPoP-bound',
    help: 'A DPoP-bound access token is not a bearer token: send it with the DPoP scheme and a proof (with ath).',
    spec_ref: rfc(9449, '7.2'),
  },
  'credential.token.dpop_proof_missing': {
    error: 'invalid_dpop_proof', status: 401, severity: 'error',
    expected: 'a DPoP header with a proof (htm, htu, ath) next to Authorization: DPoP',
    help: 'Send a fresh DPoP proof with every resource request.',
    spec_ref: rfc(9449, '7.1'),
  },
  'credential.token.dpop_key_mismatch': {
    error: 'invalid_token', status: 401, severity: 'error',
    expected: 'a DPoP proof signed by the key the access token is bound to (cnf.jkt)',
    help: 'Sign the proof with the DPoP key used at the token endpoint.',
    spec_ref: rfc(9449, '7.1'),
  },
  'credential.token.dpop_unbound': {
    error: 'invalid_token', status: 401, severity: 'warning',
    expected: 'Authorization: Bearer for a token that is not DPoP-bound',
    help: 'Accepted: the token was issued without DPoP, so it is a bearer token; the proof was checked anyway.',
    spec_ref: rfc(9449, '7.1'),
  },

  // ---- deferred credential endpoint (§9) -----------------------------------------------------
  'deferred.request.content_type': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'Content-Type: application/json',
    help: 'Send the deferred credential request as a JSON object {"transaction_id": "..."} with Content-Type application/json.',
    spec_ref: oid4vci('9.1'),
  },
  'deferred.request.malformed': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'a JSON object with transaction_id (a string from the credential response)',
    help: 'Send {"transaction_id": "<transaction_id from the 202 credential response>"}.',
    spec_ref: oid4vci('9.1'),
  },
  'deferred.transaction_id.unknown': {
    error: 'invalid_transaction_id', status: 400, severity: 'error',
    expected: 'a transaction_id returned by this issuer in a credential response',
    help: 'Use the transaction_id from the credential response unmodified.',
    spec_ref: oid4vci('9.3'),
  },
  'deferred.transaction_id.foreign': {
    error: 'invalid_transaction_id', status: 400, severity: 'error',
    expected: 'a transaction_id issued for the credential request made with this access token',
    help: 'A transaction_id belongs to the access token (session) of the original credential request; poll with that token.',
    spec_ref: oid4vci('9.3'),
  },
  'deferred.transaction_id.redeemed': {
    error: 'invalid_transaction_id', status: 400, severity: 'error',
    expected: 'a transaction_id whose credentials have not been delivered yet',
    help: 'The credentials of this transaction were already delivered; a transaction_id is single-use once its credentials are returned. Stop polling.',
    spec_ref: oid4vci('9.2'),
  },
  'deferred.transaction_id.expired': {
    error: 'invalid_transaction_id', status: 400, severity: 'error',
    expected: 'a transaction_id used before it expires',
    help: 'The transaction expired before its credentials were collected (OID4VCI 1.0 has no expired_transaction_id code). Start issuance again.',
    spec_ref: oid4vci('9.3'),
  },

  // ---- hardening: input limits -----------------------------------------------------
  'request.body.too_deep': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'A JSON body nested at most 32 levels deep',
    help: 'No OID4VCI or OAuth message nests anywhere near this deep; the body is probably generated by mistake or hostile. Send the request members only.',
    spec_ref: oid4vci('8.2'),
  },

  // ---- wallet attestation: OAuth-Client-Attestation at token and PAR (ABCA -07, OID4VCI 1.0 App. E)
  'client_attestation.missing': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'OAuth-Client-Attestation and OAuth-Client-Attestation-PoP headers',
    help: 'This issuer (ATTESTATION_MODE=strict, or require_wallet_attestation of the offer) authenticates wallets by attestation: send the wallet attestation from your wallet provider and a fresh PoP JWT signed with the cnf key, at PAR and at the token endpoint.',
    spec_ref: abca('6.1'),
  },
  'client_attestation.headers': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'exactly one OAuth-Client-Attestation and exactly one OAuth-Client-Attestation-PoP header',
    help: 'Send both headers, once each. The PoP is a new JWT per request, signed with the key in the attestation cnf.jwk.',
    spec_ref: abca('6.2'),
  },
  'client_attestation.legacy_form': {
    error: 'invalid_client', status: 401, severity: 'warning',
    expected: 'the OAuth-Client-Attestation headers of ABCA -03 and later',
    help: 'Accepted in playground mode. client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-client-attestation with attestation~pop is the form of drafts -00 to -02; OID4VCI 1.0 pins -07, which uses two HTTP headers. Strict mode refuses it.',
    spec_ref: abca('6.1'),
  },
  'client_attestation.legacy_form_refused': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'the OAuth-Client-Attestation headers of ABCA -03 and later',
    help: 'client_assertion with attestation~pop is the form of drafts -00 to -02; OID4VCI 1.0 pins -07: send OAuth-Client-Attestation and OAuth-Client-Attestation-PoP headers instead.',
    spec_ref: abca('6.1'),
  },
  'client_attestation.malformed': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'a compact JWS with typ oauth-client-attestation+jwt, an asymmetric alg and the claims sub, exp and cnf.jwk',
    help: 'The wallet attestation is issued by the wallet provider backend; check that the header carries it unmodified (no quotes, no Bearer prefix).',
    spec_ref: abca('5.1'),
  },
  'client_attestation.expired': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'a wallet attestation whose exp (and nbf) contain the current time',
    help: 'Fetch a fresh wallet attestation from the wallet provider. (ABCA -07 also allows use_fresh_attestation here; invalid_client is what 1.0 wallets handle.)',
    spec_ref: abca('5.1'),
  },
  'client_attestation.signature': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'a wallet attestation signature that verifies with the attester key (x5c leaf, trust-list kid or jwk)',
    help: 'The attestation was modified or signed with another key than its header names. Use the attestation exactly as the wallet provider issued it.',
    spec_ref: abca('9'),
  },
  'client_attestation.x5c_invalid': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'x5c: base64 DER certificates, leaf first, each issued by the next, all valid now',
    help: 'HAIP 1.0 §4.3 wants the attester chain in x5c without the trust anchor. Check the order and the validity periods.',
    spec_ref: abca('5.1'),
  },
  'client_attestation.untrusted': {
    error: 'invalid_client', status: 401, severity: 'warning',
    expected: 'a wallet attestation signed by a wallet provider in WALLET_ATTESTATION_TRUST',
    help: 'Accepted in playground mode only. Strict mode (ATTESTATION_MODE=strict) refuses it with invalid_client: ask the operator to add your wallet provider key or root to the trust list.',
    spec_ref: oid4vci('Appendix E'),
  },
  'client_attestation.untrusted_refused': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'a wallet attestation signed by a wallet provider in WALLET_ATTESTATION_TRUST',
    help: 'The attester is not trusted here. The operator adds wallet provider keys or X.509 roots to WALLET_ATTESTATION_TRUST.',
    spec_ref: oid4vci('Appendix E'),
  },
  'client_attestation.client_id_mismatch': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'client_id (when sent) equal to the wallet attestation sub',
    help: 'The client_id of a wallet is the sub of its wallet attestation, shared by all instances (OID4VCI 1.0 §15.4.4). Send that value, or no client_id.',
    spec_ref: abca('6.3'),
  },
  'client_attestation.pop_malformed': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'a compact JWS with typ oauth-client-attestation-pop+jwt and the claims aud, jti and iat',
    help: 'Create a new PoP JWT for every request: typ oauth-client-attestation-pop+jwt, aud = the authorization server issuer identifier, a unique jti, iat = now.',
    spec_ref: abca('5.2'),
  },
  'client_attestation.pop_signature': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'a PoP signed with the private key of the attestation cnf.jwk',
    help: 'Sign the PoP with the wallet instance key the attestation binds (cnf.jwk), not with another key.',
    spec_ref: abca('5.2'),
  },
  'client_attestation.pop_issuer': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'PoP iss (when present) equal to the attestation sub',
    help: 'The PoP belongs to another client than the attestation: its iss must be the client_id, i.e. the attestation sub (-08 drops iss; then omit it).',
    spec_ref: abca('5.2'),
  },
  'client_attestation.pop_audience': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'PoP aud = the authorization server issuer identifier',
    help: 'aud is the issuer value of /.well-known/oauth-authorization-server, not the token or PAR endpoint URL.',
    spec_ref: abca('5.2'),
  },
  'client_attestation.pop_stale': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'PoP iat within ATTESTATION_POP_MAX_AGE_SECONDS of now (and exp, if present, in the future)',
    help: 'Create the PoP right before the request; check the device clock.',
    spec_ref: abca('9'),
  },
  'client_attestation.pop_replayed': {
    error: 'invalid_client', status: 401, severity: 'error',
    expected: 'a PoP jti not used before with this wallet instance key',
    help: 'A PoP is single-use: create a new one, with a new jti, for every request.',
    spec_ref: abca('9'),
  },
  'client_attestation.pop_challenge_ignored': {
    error: 'invalid_client', status: 401, severity: 'warning',
    expected: 'no challenge (this authorization server offers no challenge endpoint)',
    help: 'Accepted and ignored: freshness is checked with iat and jti. nonce is the -04/-05 spelling of challenge.',
    spec_ref: abca('8'),
  },

  // ---- key attestation (OID4VCI 1.0 App. D, F.1 key_attestation, F.3 attestation proof)
  'key_attestation.required': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a key attestation: key_attestation in each jwt proof header, or proofs: {"attestation": ["<key attestation JWT>"]}',
    help: 'The configuration lists key_attestations_required (or the offer set require_key_attestation). Have your key storage or wallet provider attest the keys.',
    spec_ref: oid4vci('Appendix D'),
  },
  'key_attestation.malformed': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a compact JWS, typ key-attestation+jwt, asymmetric alg from proof_signing_alg_values_supported, iat, exp (with jwt proofs) and non-empty attested_keys of public JWKs',
    help: 'See the path for the member that failed.',
    spec_ref: oid4vci('Appendix D.1'),
  },
  'key_attestation.typ_legacy': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'typ key-attestation+jwt',
    help: 'Accepted in playground mode: keyattestation+jwt is the draft 15 spelling (@openid4vc/openid4vci 0.4.x still sends it). Strict mode refuses it.',
    spec_ref: oid4vci('Appendix D.1'),
  },
  'key_attestation.typ_legacy_refused': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'typ key-attestation+jwt',
    help: 'keyattestation+jwt is the draft 15 spelling; 1.0 uses key-attestation+jwt.',
    spec_ref: oid4vci('Appendix D.1'),
  },
  'key_attestation.expired': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a key attestation whose exp is in the future and iat not in the future',
    help: 'Obtain a fresh key attestation.',
    spec_ref: oid4vci('Appendix D.1'),
  },
  'key_attestation.signature': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a key attestation signature that verifies with the attester key (x5c leaf, trust-list kid or jwk)',
    help: 'The key attestation was modified or signed with another key than its header names.',
    spec_ref: oid4vci('Appendix D.1'),
  },
  'key_attestation.x5c_invalid': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'x5c: base64 DER certificates, leaf first, each issued by the next, all valid now',
    help: 'HAIP 1.0 §4.5.1 wants the attester chain in x5c without the trust anchor.',
    spec_ref: oid4vci('Appendix D.1'),
  },
  'key_attestation.untrusted': {
    error: 'invalid_proof', status: 400, severity: 'warning',
    expected: 'a key attestation signed by an attester in KEY_ATTESTATION_TRUST (or WALLET_ATTESTATION_TRUST)',
    help: 'Accepted in playground mode only; strict mode refuses it with invalid_proof. Ask the operator to trust your key attester.',
    spec_ref: oid4vci('Appendix D'),
  },
  'key_attestation.untrusted_refused': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a key attestation signed by an attester in KEY_ATTESTATION_TRUST (or WALLET_ATTESTATION_TRUST)',
    help: 'The key attester is not trusted here; the operator adds its key or root to the trust list.',
    spec_ref: oid4vci('Appendix D'),
  },
  'key_attestation.nonce': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'key attestation nonce = the c_nonce (the same as the proof nonce)',
    help: 'A key attestation sent to an issuer with a nonce endpoint carries the c_nonce in its nonce claim (App. F.1, F.3): have it created after fetching the c_nonce.',
    spec_ref: oid4vci('Appendix F.1'),
  },
  'key_attestation.key_not_attested': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'a jwt proof signed by one of the attested_keys of its key_attestation',
    help: 'Sign the proof with an attested key; name it with jwk, or with kid = its index in attested_keys (or its kid member).',
    spec_ref: oid4vci('Appendix D.1'),
  },
  'key_attestation.requirements_unmet': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'key_storage / user_authentication values among those of key_attestations_required',
    help: 'The configuration accepts only the listed attack potential resistance values (App. D.2). A key from weaker storage cannot receive this credential.',
    spec_ref: oid4vci('Appendix D.2'),
  },
  'key_attestation.proof_count': {
    error: 'invalid_proof', status: 400, severity: 'error',
    expected: 'proofs.attestation with exactly one key attestation JWT',
    help: 'Put all keys into the attested_keys of one key attestation; one credential is issued per attested key.',
    spec_ref: oid4vci('Appendix F.3'),
  },

  // ---- notification endpoint (§11)
  'notification.request.content_type': {
    error: 'invalid_notification_request', status: 400, severity: 'error',
    expected: 'Content-Type: application/json',
    help: 'Send {"notification_id": "...", "event": "credential_accepted"} as JSON.',
    spec_ref: oid4vci('11.1'),
  },
  'notification.request.malformed': {
    error: 'invalid_notification_request', status: 400, severity: 'error',
    expected: 'a JSON object with notification_id (string), event (credential_accepted, credential_failure or credential_deleted) and optional event_description (printable ASCII without " and \\)',
    help: 'See the path for the member that failed. event values are case-sensitive.',
    spec_ref: oid4vci('11.1'),
  },
  'notification.id.unknown': {
    error: 'invalid_notification_id', status: 400, severity: 'error',
    expected: 'a notification_id from a credential response of this issuer',
    help: 'Use the notification_id of the credential response unmodified.',
    spec_ref: oid4vci('11.3'),
  },
  'notification.id.foreign': {
    error: 'invalid_notification_id', status: 400, severity: 'error',
    expected: 'a notification_id issued to the session of this access token',
    help: 'Notify with the access token that obtained the credentials.',
    spec_ref: oid4vci('11.3'),
  },

  // ---- credential request / response encryption (§10)
  'encryption.request.required': {
    error: 'invalid_encryption_parameters', status: 400, severity: 'error',
    expected: 'an encrypted request (Content-Type application/jwt), because credential_request_encryption.encryption_required is true',
    help: 'Encrypt the request JSON as a JWE to a key of credential_request_encryption.jwks (alg from the key, enc from enc_values_supported, kid in the header).',
    spec_ref: oid4vci('10'),
  },
  'encryption.request.invalid': {
    error: 'invalid_encryption_parameters', status: 400, severity: 'error',
    expected: 'a compact JWE to a key of credential_request_encryption.jwks: alg = the key alg (ECDH-ES), its kid, an advertised enc and zip',
    help: 'Take the key, enc and zip values from the issuer metadata credential_request_encryption. The reason names the header member that failed.',
    spec_ref: oid4vci('10'),
  },
  'encryption.request.payload': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'a JWE whose plaintext is the JSON object of the request (its JWT claims set)',
    help: 'Encrypt the request JSON itself (or a JWT carrying it as claims).',
    spec_ref: oid4vci('10'),
  },
  'encryption.request.nested_jwt': {
    error: 'invalid_credential_request', status: 400, severity: 'warning',
    expected: 'the request JSON as JWE plaintext',
    help: 'Accepted: the JWE carries a signed or unsecured JWT whose claims are the request. Its signature is not checked (§10 names no key for it).',
    spec_ref: oid4vci('10'),
  },
  'encryption.response.required': {
    error: 'invalid_encryption_parameters', status: 400, severity: 'error',
    expected: 'credential_response_encryption in the request, because credential_response_encryption.encryption_required is true',
    help: 'Send credential_response_encryption {jwk (with alg), enc} inside an encrypted request.',
    spec_ref: oid4vci('8.2'),
  },
  'encryption.response.unencrypted_request': {
    error: 'invalid_encryption_parameters', status: 400, severity: 'error',
    expected: 'credential_response_encryption only inside an encrypted request',
    help: 'Credential Request encryption MUST be used when credential_response_encryption is sent, so it cannot be substituted (§8.2, §9.1). Drafts up to 15 had no request encryption; 1.0 wallets encrypt the request to credential_request_encryption.jwks.',
    spec_ref: oid4vci('8.2'),
  },
  'encryption.response.params': {
    error: 'invalid_encryption_parameters', status: 400, severity: 'error',
    expected: 'credential_response_encryption {jwk: public key with alg from alg_values_supported, enc from enc_values_supported, zip from zip_values_supported (optional)}',
    help: 'Take alg, enc and zip from the issuer metadata credential_response_encryption; the alg goes inside the jwk (1.0), not next to it (drafts up to 15).',
    spec_ref: oid4vci('8.2'),
  },

  // ---- draft compatibility: draft shapes served with a warning, refused in strict mode
  'draft.proof.singular': {
    error: 'invalid_credential_request', status: 400, severity: 'warning',
    expected: 'proofs: {"jwt": ["<proof JWT>"]} (OID4VCI 1.0 §8.2)',
    help: 'Served: the singular proof object of drafts 13 to 15 was read as proofs with one element. 1.0 removed proof; send proofs. Strict mode (STRICT_MODE, or strict of the offer) refuses it with credential.proof.legacy_singular.',
    spec_ref: oid4vci('8.2'),
  },
  'draft.request.format': {
    error: 'invalid_credential_request', status: 400, severity: 'warning',
    expected: 'credential_configuration_id (or credential_identifier) naming the credential (OID4VCI 1.0 §8.2)',
    help: 'Served: the format-based request of drafts 13 and 14 (format with vct, doctype or credential_definition) was matched to the configuration named in reason. Take credential_configuration_id from the offer instead. Strict mode refuses it with credential.request.legacy_format.',
    spec_ref: oid4vci('8.2'),
  },
  'credential.request.legacy_format': {
    error: 'invalid_credential_request', status: 400, severity: 'error',
    expected: 'credential_configuration_id or credential_identifier instead of format with vct / doctype / credential_definition',
    help: 'Strict mode: the format-based credential request of drafts up to 14 (removed in draft 15) is refused. Send the credential_configuration_id from the credential offer, or a credential_identifier from the token response.',
    spec_ref: oid4vci('8.2'),
  },
  'draft.format.vc_sd_jwt': {
    error: 'invalid_credential_request', status: 400, severity: 'warning',
    expected: 'format dc+sd-jwt (OID4VCI 1.0 Appendix A.3)',
    help: 'Served: vc+sd-jwt, the SD-JWT VC format identifier up to draft 14, was read as dc+sd-jwt. The credential is issued as 1.0 defines it (typ dc+sd-jwt), so 1.0 verifiers accept it.',
    spec_ref: oid4vci('Appendix A.3'),
  },
  'draft.token.c_nonce': {
    error: 'invalid_nonce', status: 400, severity: 'warning',
    expected: 'a c_nonce from the nonce endpoint (OID4VCI 1.0 §7)',
    help: 'Served: the proof carries the c_nonce of the token response, where wallets of drafts up to 14 read it. 1.0 wallets POST to the nonce_endpoint. Strict mode gives no c_nonce in the token response, so such a proof has no nonce (proof.jwt.nonce_missing).',
    spec_ref: oid4vci('7'),
  },
  'draft.response.credential': {
    error: 'invalid_credential_request', status: 400, severity: 'warning',
    expected: 'a wallet that reads credentials: [{"credential": ...}] (OID4VCI 1.0 §8.3)',
    help: 'Answered in the draft 13/14 shape because the request had it: credential at the top level (credentials as a plain array for several proofs) and a fresh c_nonce. 1.0 responses carry credentials: [{"credential": ...}].',
    spec_ref: oid4vci('8.3'),
  },
  'draft.deferred.issuance_pending': {
    error: 'issuance_pending', status: 400, severity: 'warning',
    expected: 'a wallet that polls on HTTP 202 with interval (OID4VCI 1.0 §9.2)',
    help: 'Answered with the issuance_pending error of drafts 13 to 15, because the credential request was in a draft shape. 1.0 answers not ready with HTTP 202, the transaction_id and interval.',
    spec_ref: oid4vci('9.2'),
  },
  'token.tx_code.legacy_user_pin_refused': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'tx_code (OID4VCI 1.0 §6.1) instead of user_pin (drafts 11 and 12)',
    help: 'Strict mode: user_pin is not read as tx_code. Rename the parameter to tx_code.',
    spec_ref: oid4vci('6.1'),
  },

  // ---- fault injection: refusals an offer asks for, to test a wallet's error handling
  'fault.nonce.rejected_first': {
    error: 'invalid_nonce', status: 400, severity: 'error',
    expected: 'a new proof with a fresh c_nonce (this offer rejects the first c_nonce on purpose)',
    help: 'Injected fault (reject_first_nonce of the offer): the first credential request is refused with invalid_nonce and its c_nonce is used up. A correct wallet fetches a new c_nonce from the nonce endpoint, signs a new proof and retries.',
    spec_ref: oid4vci('8.3.1.2'),
  },
  'fault.tx_code.rejected_first': {
    error: 'invalid_grant', status: 400, severity: 'error',
    expected: 'the transaction code again (this offer rejects the first one on purpose)',
    help: 'Injected fault (tx_code_failure reject_first of the offer): the first tx_code is answered as wrong, even when right, and is not counted as an attempt. A correct wallet lets the user enter the code again.',
    spec_ref: oid4vci('6.3'),
  },
  'fault.offer.single_fetch': {
    error: 'invalid_request', status: 410, severity: 'error',
    expected: 'one fetch of the credential_offer_uri (this offer allows only one, on purpose)',
    help: 'Injected fault (single_fetch of the offer): the credential offer can be fetched once. Wallets that fetch it twice (preview, then import) fail here: keep the offer object from the first fetch.',
    spec_ref: oid4vci('4.1.3'),
  },

  // ---- inspector (POST /inspect) -------------------------------------------------------------
  'inspect.kind.undetected': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'kind (proof, dpop, wallet_attestation, key_attestation, credential_request, credential), or a value whose typ or shape names it',
    help: 'The inspector could not tell what the value is. Set kind explicitly; JWTs are recognised by their typ header.',
    spec_ref: oid4vci('Appendix F.1'),
  },

  // ---- the OpenID4VP 1.0 verifier (core/diagnostics-oid4vp.ts) -------------------------------
  ...oid4vpEntries,
} satisfies Record<string, CatalogueEntry>;

export type DiagnosticCode = keyof typeof entries;
export const catalogue: Readonly<Record<DiagnosticCode, CatalogueEntry>> = entries;

/** What a log entry and an error response carry about one finding. */
export interface Diagnostic {
  code: DiagnosticCode;
  severity: Severity;
  reason: string;
  expected: string;
  found?: unknown;
  help: string;
  spec_ref: string;
  /** Where in the request, e.g. `body.proofs.jwt[0].header.typ`. */
  path?: string;
}

export function formatSpecRef(ref: SpecRef): string {
  return ref.section.startsWith('Appendix') ? `${ref.spec} ${ref.section}` : `${ref.spec} §${ref.section}`;
}

export interface DiagnosticDetails {
  path?: string;
  found?: unknown;
  /** Overrides the catalogue's generic `expected` when a concrete value is known. */
  expected?: string;
}

export function diagnose(code: DiagnosticCode, reason: string, details: DiagnosticDetails = {}): Diagnostic {
  const entry = catalogue[code];
  return {
    code,
    severity: entry.severity,
    reason,
    expected: details.expected ?? entry.expected,
    ...(details.found !== undefined ? { found: details.found } : {}),
    help: entry.help,
    spec_ref: formatSpecRef(entry.spec_ref),
    ...(details.path ? { path: details.path } : {}),
  };
}

/** A wallet mistake that ends the request. Mistakes in our own code are plain Errors. */
export class ProtocolError extends Error {
  readonly status: number;
  readonly error: string;
  readonly diagnostic: Diagnostic;
  readonly headers: Record<string, string>;

  constructor(diagnostic: Diagnostic, opts: { headers?: Record<string, string>; cause?: unknown; status?: number } = {}) {
    super(diagnostic.reason, { cause: opts.cause });
    const entry = catalogue[diagnostic.code];
    this.name = 'ProtocolError';
    this.status = opts.status ?? entry.status;
    this.error = entry.error;
    this.diagnostic = diagnostic;
    this.headers = opts.headers ?? {};
  }
}

export function fail(
  code: DiagnosticCode,
  reason: string,
  details: DiagnosticDetails & { headers?: Record<string, string>; cause?: unknown } = {},
): never {
  throw new ProtocolError(diagnose(code, reason, details), { headers: details.headers, cause: details.cause });
}

/**
 * `error_description` may only hold printable ASCII without `"` and `\`
 * (RFC 6749 §5.2, OID4VCI 1.0 §8.3.1.2); anything else is replaced rather than sent.
 */
export function toErrorDescription(text: string, max = 300): string {
  const cleaned = text.replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'");
  return cleaned.length > max ? `${cleaned.slice(0, max - 3)}...` : cleaned;
}

/** Shortens an offending value for a `reason` so logs stay readable. */
export function truncate(value: unknown, max = 80): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

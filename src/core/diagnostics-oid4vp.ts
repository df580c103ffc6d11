/**
 * The verifier's part of the one diagnostics catalogue (core/diagnostics.ts spreads it in):
 * what the OpenID4VP 1.0 verifier says about a wallet's request fetch, its response and each
 * presentation in it. Kept in its own file so the verifier's codes read as one list; the codes,
 * wire errors and the doc generator are the same as for the issuer.
 */
import type { CatalogueEntry, SpecRef } from './catalogue-entry.js';

const vp = (section: string): SpecRef => ({ spec: 'OID4VP 1.0', section });
/** SD-JWT VC as OpenID4VP 1.0 §13.4 pins it (draft -09); the key binding rules live in RFC 9901. */
const sdJwtVc = (section: string): SpecRef => ({ spec: 'SD-JWT VC -09', section });
const sdJwt = (section: string): SpecRef => ({ spec: 'RFC 9901', section });
const iso = (section: string): SpecRef => ({ spec: 'ISO/IEC 18013-5', section });
/** draft-ietf-oauth-status-list as HAIP 1.0 §9.4 pins it. */
const statusList = (section: string): SpecRef => ({ spec: 'Token Status List -14', section });

export const oid4vpEntries = {
  // ---- request_uri (the wallet fetches the signed request object) -----------------------------
  'vp.request_uri.unknown': {
    error: 'invalid_request_uri', status: 404, severity: 'error',
    expected: 'the request_uri exactly as it appeared in the openid4vp:// link or QR code',
    help: 'No presentation request exists under this request_uri. Scan a fresh QR code; request_uri values are case-sensitive and must not be altered.',
    spec_ref: vp('5.10.2'),
  },
  'vp.request_uri.expired': {
    error: 'invalid_request_uri', status: 410, severity: 'error',
    expected: 'a request_uri fetched before the request expires',
    help: 'The presentation request expired. Create a new request and scan it again; requests live a few minutes because their nonce and state are single use.',
    spec_ref: vp('5.10.2'),
  },
  'vp.request_uri.answered': {
    error: 'invalid_request_uri', status: 410, severity: 'error',
    expected: 'a request_uri whose request has not been answered yet',
    help: 'A response to this request was already received; a request is answered once. Create a new request for another presentation.',
    spec_ref: vp('14.1'),
  },
  'vp.request_uri.wallet_metadata_malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'wallet_metadata as a JSON object string in an application/x-www-form-urlencoded body',
    help: 'POST to the request_uri with Content-Type application/x-www-form-urlencoded; wallet_metadata, when sent, is a JSON object serialised as a string (OpenID4VP 1.0 §10 parameters).',
    spec_ref: vp('5.10'),
  },

  // ---- response_uri (direct_post / direct_post.jwt) --------------------------------------------
  'vp.response.malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an application/x-www-form-urlencoded body with vp_token and state (direct_post), response (direct_post.jwt), or error and state',
    help: 'POST the authorization response to the response_uri as a form body: direct_post sends vp_token as a JSON object string and state; direct_post.jwt sends one parameter, response, holding the JWE.',
    spec_ref: vp('8.2'),
  },
  'vp.response.unknown_state': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'the state value of the request object this response answers',
    help: 'No open presentation request has this state. Send back the state from the request object unchanged; a response without state cannot be tied to its request.',
    spec_ref: vp('14.3.2'),
  },
  'vp.response.jwe_invalid': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a compact JWE (ECDH-ES, A128GCM or A256GCM) encrypted to a key of client_metadata.jwks, its kid in the header',
    help: 'Encrypt the response parameters as a JWT to the key in client_metadata.jwks: alg must equal the JWK alg (ECDH-ES), kid must repeat the JWK kid, enc one of encrypted_response_enc_values_supported. The reason says which part failed.',
    spec_ref: vp('8.3'),
  },
  'vp.response.encryption_required': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'response=<JWE> because the request said response_mode direct_post.jwt',
    help: 'The request asked for an encrypted response (direct_post.jwt): the vp_token must travel inside the JWE. Only an error response may be posted unencrypted.',
    spec_ref: vp('8.3.1'),
  },
  'vp.response.replayed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'one response per presentation request',
    help: 'This request was already answered; a second response (a retry or a replayed capture) is refused. Start a new request for a new presentation.',
    spec_ref: vp('14.1'),
  },
  'vp.response.expired': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a response posted before the request expires',
    help: 'The presentation request expired before the response arrived; its nonce is no longer valid. Create a new request.',
    spec_ref: vp('14.3.2'),
  },
  'vp.response.wallet_error': {
    error: 'access_denied', status: 200, severity: 'warning',
    expected: 'a vp_token (the wallet answered with an error response instead)',
    help: 'The wallet sent an error response (for example access_denied: no matching credential or the user declined). The reason carries its error and error_description.',
    spec_ref: vp('8.5'),
  },
  'vp.vp_token.malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'vp_token: a JSON object keyed by credential query id, each value a non-empty array of presentations',
    help: 'OpenID4VP 1.0 §8.1: vp_token is an object such as {"pid": ["<SD-JWT+KB>"]}. A string or an array is the Presentation Exchange shape of drafts up to 25.',
    spec_ref: vp('8.1'),
  },
  'vp.vp_token.unexpected_query': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'only credential query ids of the request as vp_token keys, one presentation each unless multiple is true',
    help: 'The vp_token carries a key the request did not ask for, or several presentations for a query without multiple: true. Such a presentation is not used.',
    spec_ref: vp('8.6'),
  },

  // ---- DCQL: what was asked and what arrived -----------------------------------------------------
  'vp.dcql.unsatisfied': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'verified presentations that satisfy the DCQL query: every required credential query (or credential set option) with the requested claims',
    help: 'The presentations that passed verification do not meet the query: a required credential is missing or failed, or a requested claim was not disclosed. The reason lists what is missing.',
    spec_ref: vp('6.4'),
  },
  'vp.claims.not_requested': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'only the claims the DCQL query asked for (data minimisation)',
    help: 'The wallet disclosed claims the query did not ask for. They are left out of the result. Wallets should disclose only the requested claims (OpenID4VP 1.0 §6.4, §15.4.2). Strict mode refuses the presentation.',
    spec_ref: vp('6.4'),
  },
  'vp.claims.not_requested_refused': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'only the claims the DCQL query asked for (strict mode)',
    help: 'Strict mode: a presentation that discloses claims the query did not ask for is refused. Disclose only the requested claims.',
    spec_ref: vp('6.4'),
  },
  'vp.presentation.format_mismatch': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a presentation in the format of its credential query (dc+sd-jwt: SD-JWT+KB string; mso_mdoc: base64url DeviceResponse) with the requested vct or doctype',
    help: 'The presentation does not match its credential query: another format, a vct not in vct_values, or a doctype other than doctype_value.',
    spec_ref: vp('6.1'),
  },

  // ---- dc+sd-jwt presentations ---------------------------------------------------------------------
  'vp.sd_jwt.malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an SD-JWT+KB: <issuer-signed JWT>~<disclosure>~...~<KB-JWT>',
    help: 'The presentation could not be decoded as an SD-JWT. The reason says which part failed.',
    spec_ref: sdJwt('4'),
  },
  'vp.sd_jwt.issuer_signature': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an issuer-signed JWT whose signature verifies with the x5c leaf key',
    help: 'The issuer signature of the SD-JWT does not verify: the credential was altered after issuance, or x5c does not hold the signing key.',
    spec_ref: sdJwtVc('3.5'),
  },
  'vp.sd_jwt.disclosure_unreferenced': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'every disclosure referenced by a digest in the issuer-signed JWT',
    help: 'A disclosure hashes to a digest the issuer never signed: it was altered (a tampered value) or belongs to another credential. RFC 9901 §7.1 says reject.',
    spec_ref: sdJwt('7.1'),
  },
  'vp.sd_jwt.expired': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a credential within its validity (nbf <= now < exp)',
    help: 'The credential has expired or is not valid yet. Issue a fresh credential.',
    spec_ref: sdJwtVc('3.2.2.2'),
  },
  'vp.kb_jwt.missing': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a Key Binding JWT after the last ~ because the query requires cryptographic holder binding',
    help: 'The presentation ends with ~ and no KB-JWT. Sign a KB-JWT (typ kb+jwt) with the cnf key over nonce, aud = client_id, iat and sd_hash, and append it.',
    spec_ref: vp('Appendix B.3'),
  },
  'vp.kb_jwt.signature': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a KB-JWT (typ kb+jwt) signed by the key in the credential cnf.jwk',
    help: 'The Key Binding JWT does not verify with the credential cnf key (or typ is not kb+jwt): it was signed with another key than the one the credential is bound to.',
    spec_ref: sdJwt('7.3'),
  },
  'vp.kb_jwt.nonce_mismatch': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'KB-JWT nonce equal to the nonce of this request',
    help: 'The KB-JWT carries another nonce than the request object: a replayed presentation or a response to another request. Sign a fresh KB-JWT with this request nonce.',
    spec_ref: vp('14.1.2'),
  },
  'vp.kb_jwt.aud_mismatch': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'KB-JWT aud equal to the full client_id, prefix included (e.g. x509_san_dns:verifier.example)',
    help: 'The KB-JWT audience is not this verifier client_id. OpenID4VP 1.0 binds presentations to the full client_id with its prefix; wallets of drafts up to 21 put the bare id there.',
    spec_ref: vp('Appendix B.3.6'),
  },
  'vp.kb_jwt.iat': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'KB-JWT iat within the accepted window around now',
    help: 'The KB-JWT was signed too long ago or in the future. Sign it when presenting, with a correct clock.',
    spec_ref: sdJwt('7.3'),
  },
  'vp.kb_jwt.sd_hash': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'sd_hash = base64url(SHA-256 of the presentation up to and including the ~ before the KB-JWT)',
    help: 'The KB-JWT sd_hash does not match the presented SD-JWT: disclosures were added, removed or reordered after the KB-JWT was signed.',
    spec_ref: sdJwt('7.3'),
  },

  // ---- mso_mdoc presentations ------------------------------------------------------------------------
  'vp.mdoc.malformed': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'base64url (no padding) of a CBOR DeviceResponse {version, documents: [{docType, issuerSigned, deviceSigned}], status: 0}',
    help: 'The presentation could not be decoded as a DeviceResponse. OpenID4VP 1.0 App. B.2: one DeviceResponse per presentation, base64url without padding.',
    spec_ref: iso('8.3.2.1.2.2'),
  },
  'vp.mdoc.issuer_auth': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an issuerAuth COSE_Sign1 that verifies with the x5chain leaf, with a digest in the MSO for every disclosed element',
    help: 'Issuer data authentication failed: the MSO signature does not verify, or a disclosed element does not hash to its valueDigests entry (an altered element).',
    spec_ref: iso('9.3.1'),
  },
  'vp.mdoc.validity': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'validityInfo validFrom <= now < validUntil',
    help: 'The mdoc MSO is expired or not yet valid. Issue a fresh mdoc.',
    spec_ref: iso('9.3.1'),
  },
  'vp.mdoc.device_signature': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'a deviceSignature by the MSO deviceKey over DeviceAuthentication with the SessionTranscript [null, null, OpenID4VPHandover] of this request',
    help: 'The device signature does not verify over the SessionTranscript of this request (client_id, nonce, the thumbprint of the response encryption key, response_uri). A wallet of drafts up to 28 signs the ISO 18013-7 handover instead; a replayed DeviceResponse was signed for another request.',
    spec_ref: vp('Appendix B.2.6.1'),
  },

  // ---- trust and status ----------------------------------------------------------------------------
  'vp.trust.untrusted_issuer': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'an issuer certificate chain that leads to a trusted root (this issuer root, or one of VERIFIER_TRUST)',
    help: 'The credential signature verifies, but its x5c / x5chain does not lead to a trusted root. Playground mode accepts it with this warning; strict mode refuses. Add the issuer root to VERIFIER_TRUST to trust it.',
    spec_ref: vp('8.6'),
  },
  'vp.trust.untrusted_issuer_refused': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'an issuer certificate chain that leads to a trusted root (strict mode)',
    help: 'Strict mode: a credential whose issuer chain does not lead to a trusted root is refused. Add the issuer root to VERIFIER_TRUST, or verify in playground mode.',
    spec_ref: vp('8.6'),
  },
  'vp.status.revoked': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'status VALID (0x00) in the credential Token Status List',
    help: 'The issuer has revoked or suspended this credential: its entry in the status list is not VALID. The reason says which value was found.',
    spec_ref: statusList('7.1'),
  },
  'vp.status.unavailable': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'a status list token that can be fetched from status.status_list.uri and verifies',
    help: 'The status of the credential could not be checked (the list did not answer, or its token did not verify). Playground mode goes on with this warning; strict mode refuses.',
    spec_ref: statusList('8.3'),
  },

  // ---- older wallets (pre-1.0 drafts) -------------------------------------------------------------
  'draft.vp.response_shape': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'vp_token as an object keyed by credential query id with arrays of presentations (OpenID4VP 1.0 §8.1)',
    help: 'Served: the response has the shape of a pre-1.0 draft (named in the reason): vp_token as a string or array with presentation_submission (Presentation Exchange, drafts up to 25), or single values instead of arrays (drafts 22 to 24). It was read as 1.0 defines it. Strict mode refuses it.',
    spec_ref: vp('8.1'),
  },
  'draft.vp.response_shape_refused': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'vp_token as an object keyed by credential query id with arrays of presentations (OpenID4VP 1.0 §8.1)',
    help: 'Strict mode: a response in the shape of a pre-1.0 draft is refused. Send vp_token as {"<query id>": ["<presentation>"]}.',
    spec_ref: vp('8.1'),
  },
  'draft.vp.request_shape': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'a request in the OpenID4VP 1.0 shape (dcql_query, client_id with its prefix, vp_formats_supported)',
    help: 'Served on purpose: this request was created with draft_request for a wallet of an older draft (named in the reason): presentation_definition instead of dcql_query, and for drafts 19 to 21 a bare client_id with client_id_scheme. The response is judged against the same DCQL query. Strict mode does not create such requests.',
    spec_ref: vp('6'),
  },
  'draft.vp.wallet_metadata': {
    error: 'invalid_request', status: 400, severity: 'warning',
    expected: 'wallet_metadata with the 1.0 names (client_id_prefixes_supported, vp_formats_supported with dc+sd-jwt / mso_mdoc / jwt_vc_json)',
    help: 'Served: the wallet_metadata posted to the request_uri uses names of pre-1.0 drafts (named in the reason, e.g. client_id_schemes_supported of drafts up to 25). The request object is the 1.0 one; such a wallet may not understand it. Strict mode refuses.',
    spec_ref: vp('10.1'),
  },
  'draft.vp.wallet_metadata_refused': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'wallet_metadata with the 1.0 names (strict mode)',
    help: 'Strict mode: a wallet that describes itself with pre-1.0 wallet_metadata names is refused at the request_uri.',
    spec_ref: vp('10.1'),
  },

  // ---- fault injection on verification requests ------------------------------------------------------
  'fault.vp.single_fetch': {
    error: 'invalid_request_uri', status: 410, severity: 'error',
    expected: 'one fetch of the request_uri (this request allows only one, on purpose)',
    help: 'Injected fault (single_fetch of the request): the request object can be fetched once. A wallet that fetches it twice (preview, then present) fails here.',
    spec_ref: vp('5.10.2'),
  },
  'fault.vp.reject_first_response': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'the same response posted again (this request rejects the first one on purpose)',
    help: 'Injected fault (reject_first_response of the request): the first response is refused without being judged and the request stays open. A robust wallet shows the error and lets the user retry.',
    spec_ref: vp('8.2'),
  },
  'fault.vp.require_encrypted_response': {
    error: 'invalid_request', status: 400, severity: 'error',
    expected: 'response=<JWE> for every response to this request, an error response too',
    help: 'Injected fault (require_encrypted_response of the request): OpenID4VP 1.0 lets a wallet that cannot encrypt post an error in clear; this request refuses that. Encrypt the error response like a vp_token (error, error_description, state in the JWE). The request stays open.',
    spec_ref: vp('8.3.1'),
  },
} as const satisfies Record<string, CatalogueEntry>;

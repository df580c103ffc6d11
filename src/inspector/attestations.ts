/**
 * Inspection of wallet attestations (OID4VCI 1.0 App. E = Client Attestation JWT of
 * draft-ietf-oauth-attestation-based-client-auth-07 §5.1, with its PoP §5.2) and key
 * attestations (App. D.1). The attester key comes from x5c (HAIP 1.0 §4.3, §4.5.1); a chain is
 * described and checked link by link, trust in its root is the verifier's decision.
 */
import type { JWK } from 'jose';
import { truncate } from '../core/diagnostics.js';
import { CheckList, type ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';
import { checkAsymmetricAlg, checkSignatureWith, checkTimeClaims, checkTypValue, decodeOrFail, publicKeyOrFail, x5cChain } from './jwt-checks.js';

const ABCA = 'ABCA-07 §5.1';
const ABCA_POP = 'ABCA-07 §5.2';
const D1 = 'OID4VCI 1.0 Appendix D.1';

function attesterKey(list: CheckList, header: Record<string, unknown>, spec: string, keys: ResolvedKeyView[], ctx: InspectContext): JWK | undefined {
  if (header.x5c !== undefined) return x5cChain(list, header.x5c, spec, keys, { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, haip: true }).jwk;
  if (header.jwk !== undefined) {
    list.warn('attester_key', spec, 'the attester key is an inline jwk: anyone can sign such an attestation; HAIP wants x5c');
    return publicKeyOrFail(list, header.jwk, 'jwk', spec, 'header.jwk', keys);
  }
  list.warn('attester_key', spec, header.kid !== undefined ? `kid ${JSON.stringify(truncate(header.kid, 60))} names an attester key the inspector cannot fetch; HAIP wants x5c` : 'no x5c, jwk or kid: the attester key is unknown');
  return undefined;
}

export function inspectWalletAttestation(ctx: InspectContext, value: string) {
  const list = new CheckList('wallet_attestation.');
  const keys: ResolvedKeyView[] = [];
  // -00..-02 sent `<attestation>~<pop>` in client_assertion; newer drafts use two headers.
  const [attestationJwt, popJwt] = value.includes('~') ? value.split('~') : [value, undefined];
  if (popJwt !== undefined) list.warn('concatenated', ABCA, 'attestation~pop is the concatenated form of drafts -00..-02; -07 sends OAuth-Client-Attestation and OAuth-Client-Attestation-PoP headers');
  const decoded = decodeOrFail(list, attestationJwt, ABCA, 'the wallet attestation');
  if (!decoded) return { checks: list, keys };
  const { header, payload } = decoded;
  checkTypValue(list, header, 'oauth-client-attestation+jwt', ABCA);
  const alg = checkAsymmetricAlg(list, header, ABCA);
  const issuerJwk = attesterKey(list, header, ABCA, keys, ctx);
  if (issuerJwk) checkSignatureWith(list, decoded, alg, issuerJwk, ABCA, 'the attester key');
  else list.skip('signature', ABCA, 'not checked: attester key unknown');
  list.expect(typeof payload.iss === 'string' || payload.iss === undefined, 'iss', ABCA, { pass: payload.iss === undefined ? 'no iss (dropped in -08)' : `iss (attester) ${truncate(payload.iss, 60)}`, fail: 'iss is not a string' });
  list.expect(typeof payload.sub === 'string' && payload.sub.length > 0, 'sub', ABCA, { pass: `sub (client_id) ${truncate(payload.sub, 60)}`, fail: 'sub missing: it is the client_id shared by all instances of the wallet (OID4VCI §15.4.4)' });
  checkTimeClaims(list, payload, ABCA, { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, skewSeconds: ctx.proofPolicy.iatSkewSeconds }, { exp: true });
  const cnf = payload.cnf as Record<string, unknown> | undefined;
  const instanceKey = cnf?.jwk === undefined
    ? (list.fail('cnf.jwk', ABCA, 'cnf.jwk missing: the wallet instance key that signs the PoP'), undefined)
    : publicKeyOrFail(list, cnf.jwk, 'cnf.jwk', ABCA, 'cnf.jwk', keys);
  for (const name of ['wallet_name', 'wallet_link'] as const) if (payload[name] !== undefined) list.pass(name, 'OID4VCI 1.0 Appendix E', `${name}: ${truncate(payload[name], 80)}`);

  let pop: { header: Record<string, unknown>; payload: Record<string, unknown> } | undefined;
  if (popJwt) {
    const popList = new CheckList('wallet_attestation.pop.');
    const d = decodeOrFail(popList, popJwt, ABCA_POP, 'the attestation PoP');
    if (d) {
      pop = { header: d.header, payload: d.payload };
      checkTypValue(popList, d.header, 'oauth-client-attestation-pop+jwt', ABCA_POP);
      const popAlg = checkAsymmetricAlg(popList, d.header, ABCA_POP);
      checkSignatureWith(popList, d, popAlg, instanceKey, ABCA_POP, 'cnf.jwk of the attestation');
      if (d.payload.iss !== undefined) popList.expect(d.payload.iss === payload.sub, 'iss', ABCA_POP, { pass: 'iss equals the attestation sub', fail: `iss ${truncate(d.payload.iss, 60)} is not the attestation sub ${truncate(payload.sub, 60)}` });
      if (ctx.expected.aud) popList.expect(d.payload.aud === ctx.expected.aud, 'aud', ABCA_POP, { pass: 'aud is the authorization server issuer identifier', fail: `aud ${truncate(d.payload.aud, 80)} is not ${ctx.expected.aud}` });
      popList.expect(typeof d.payload.jti === 'string', 'jti', ABCA_POP, { pass: 'jti present', fail: 'jti missing' });
      checkTimeClaims(popList, d.payload, ABCA_POP, { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, skewSeconds: ctx.proofPolicy.iatSkewSeconds }, { iat: true, maxAgeSeconds: ctx.proofPolicy.maxAgeSeconds });
      const challenge = d.payload.challenge ?? d.payload.nonce;
      if (d.payload.nonce !== undefined && d.payload.challenge === undefined) popList.warn('nonce', 'ABCA-07 §8', 'nonce is the -04/-05 spelling of challenge');
      if (ctx.expected.nonce !== undefined) popList.expect(challenge === ctx.expected.nonce, 'challenge', 'ABCA-07 §8', { pass: 'challenge equals the expected value', fail: `challenge ${truncate(challenge, 40)} is not the expected ${truncate(ctx.expected.nonce, 40)}` });
    }
    list.merge(popList);
  }
  return { checks: list, decoded: { header, payload, ...(pop ? { pop } : {}) }, keys };
}

export function inspectKeyAttestation(ctx: InspectContext, value: string) {
  const list = new CheckList('key_attestation.');
  const keys: ResolvedKeyView[] = [];
  const decoded = decodeOrFail(list, value, D1, 'the key attestation');
  if (!decoded) return { checks: list, keys };
  const { header, payload } = decoded;
  checkTypValue(list, header, 'key-attestation+jwt', D1, { 'keyattestation+jwt': 'the draft 15 spelling; 1.0 uses key-attestation+jwt' });
  const alg = checkAsymmetricAlg(list, header, D1);
  const issuerJwk = attesterKey(list, header, D1, keys, ctx);
  if (issuerJwk) checkSignatureWith(list, decoded, alg, issuerJwk, D1, 'the attester key');
  else list.skip('signature', D1, 'not checked: attester key unknown');
  checkTimeClaims(list, payload, D1, { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, skewSeconds: ctx.proofPolicy.iatSkewSeconds }, { iat: true });
  if (payload.exp === undefined) list.warn('exp', D1, 'no exp: required when the attestation travels in a jwt proof key_attestation header');
  const attested = payload.attested_keys;
  if (!Array.isArray(attested) || attested.length === 0) list.fail('attested_keys', D1, 'attested_keys missing or empty: a non-empty array of public JWKs');
  else attested.forEach((k, i) => publicKeyOrFail(list, k, `attested_keys[${i}]`, D1, `attested_keys[${i}]`, keys));
  for (const name of ['key_storage', 'user_authentication'] as const) {
    const v = payload[name];
    if (v !== undefined) list.expect(Array.isArray(v) && v.every((s) => typeof s === 'string'), name, 'OID4VCI 1.0 Appendix D.2', { pass: `${name}: ${JSON.stringify(v)}`, fail: `${name} is not an array of strings (iso_18045_high, …)` });
  }
  if (ctx.expected.nonce !== undefined) list.expect(payload.nonce === ctx.expected.nonce, 'nonce', D1, { pass: 'nonce equals the expected c_nonce', fail: `nonce ${truncate(payload.nonce, 40)} is not the expected c_nonce` });
  return { checks: list, decoded: { header, payload }, keys };
}


/**
 * Inspection of a DPoP proof JWT (RFC 9449 §4.2, checks of §4.3). `ath` cannot be recomputed
 * without the access token, which the inspector never asks for; it is shown, not judged.
 */
import { truncate } from '../core/diagnostics.js';
import { CheckList, catalogued, type ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';
import { checkAsymmetricAlg, checkSignatureWith, checkTimeClaims, checkTypValue, decodeOrFail, publicKeyOrFail } from './jwt-checks.js';

const S42 = 'RFC 9449 §4.2';
const S43 = 'RFC 9449 §4.3';

/** htu compared without query and fragment (RFC 9449 §4.3 step 9). */
function normalizeHtu(value: string): string | undefined {
  try {
    const url = new URL(value);
    url.search = '';
    url.hash = '';
    return url.href;
  } catch {
    return undefined;
  }
}

export function inspectDpop(ctx: InspectContext, value: string) {
  const list = new CheckList('dpop.');
  const keys: ResolvedKeyView[] = [];
  const decoded = decodeOrFail(list, value, S42, 'the DPoP proof', catalogued('dpop.proof.malformed'));
  if (!decoded) return { checks: list, keys };
  const { header, payload } = decoded;
  const code = (c: string) => catalogued(c);
  checkTypValue(list, header, 'dpop+jwt', S42, {}, code('dpop.proof.typ'));
  const alg = checkAsymmetricAlg(list, header, S42, code('dpop.proof.alg_unsupported'));
  if (header.x5c !== undefined || header.kid !== undefined) list.warn('key_members', S42, 'DPoP proofs carry the key as header jwk only; kid / x5c are ignored by servers');
  const jwk = header.jwk === undefined
    ? (list.fail('jwk', S42, 'header has no jwk: a DPoP proof carries its public key in the jwk header', { code: code('dpop.proof.jwk_invalid') }), undefined)
    : publicKeyOrFail(list, header.jwk, 'jwk', S42, 'header.jwk', keys, alg, code('dpop.proof.jwk_invalid'));
  checkSignatureWith(list, decoded, alg, jwk, S43, 'header.jwk', code('dpop.proof.signature'));

  const jti = payload.jti;
  list.expect(typeof jti === 'string' && jti.length > 0, 'jti', S42, { pass: 'jti present (servers keep it for replay detection)', fail: 'jti missing or not a string: every DPoP proof needs a unique jti' }, { code: code('dpop.proof.jti_missing') });
  const htm = payload.htm;
  if (typeof htm !== 'string') list.fail('htm', S42, 'htm missing: the HTTP method of the request (e.g. POST)', { code: code('dpop.proof.htm') });
  else if (ctx.expected.htm) list.expect(htm === ctx.expected.htm, 'htm', S43, { pass: `htm ${htm} equals the expected method`, fail: `htm ${JSON.stringify(truncate(htm, 20))} is not ${ctx.expected.htm}` }, { code: code('dpop.proof.htm') });
  else list.pass('htm', S42, `htm is ${htm}${/^[A-Z]+$/.test(htm) ? '' : ' (methods are upper case)'}`);
  const htu = payload.htu;
  if (typeof htu !== 'string' || !normalizeHtu(htu)) list.fail('htu', S42, 'htu missing or not an absolute URL', { code: code('dpop.proof.htu') });
  else {
    if (/[?#]/.test(htu)) list.warn('htu_query', S42, 'htu carries a query or fragment; RFC 9449 §4.2 says without them');
    if (ctx.expected.htu) {
      const ok = normalizeHtu(htu) === normalizeHtu(ctx.expected.htu);
      list.expect(ok, 'htu', S43, { pass: `htu equals ${ctx.expected.htu}`, fail: `htu ${truncate(htu, 100)} is not the target URI ${ctx.expected.htu}${htu.replace(/\/+$/, '') === ctx.expected.htu.replace(/\/+$/, '') ? ' (trailing slash)' : ''}` }, { code: code('dpop.proof.htu') });
    } else list.pass('htu', S42, `htu is ${truncate(htu, 100)}; give expected.htu to compare`);
  }
  checkTimeClaims(list, payload, S43, { nowSeconds: ctx.nowSeconds, ignoreTime: ctx.ignoreTime, skewSeconds: ctx.proofPolicy.iatSkewSeconds }, { iat: true, maxAgeSeconds: ctx.proofPolicy.maxAgeSeconds, code: code('dpop.proof.iat') });
  if (ctx.expected.nonce !== undefined) {
    list.expect(payload.nonce === ctx.expected.nonce, 'nonce', 'RFC 9449 §8', { pass: 'nonce equals the expected DPoP-Nonce', fail: payload.nonce === undefined ? 'no nonce, but the server issued a DPoP-Nonce (answer: use_dpop_nonce)' : `nonce ${JSON.stringify(truncate(payload.nonce, 40))} is not the expected DPoP-Nonce` }, { code: code(payload.nonce === undefined ? 'dpop.nonce.missing' : 'dpop.nonce.invalid') });
  } else if (payload.nonce !== undefined) list.pass('nonce', 'RFC 9449 §8', `nonce present: ${truncate(payload.nonce, 40)}`);
  if (payload.ath !== undefined) {
    list.expect(typeof payload.ath === 'string' && /^[A-Za-z0-9_-]{43}$/.test(payload.ath), 'ath', 'RFC 9449 §4.2', { pass: 'ath is a base64url SHA-256 (checked against the access token at the resource)', fail: 'ath is not base64url(SHA-256(access token)) (43 characters)' });
  }
  return { checks: list, decoded: { header, payload }, keys };
}

/**
 * Wallet attestation as client authentication (OAuth 2.0 Attestation-Based Client Auth, draft
 * -07 as pinned by OID4VCI 1.0 §14.7; OID4VCI 1.0 App. E), at the token endpoint (every grant)
 * and at PAR. Checks follow ABCA -07 §9: two typed JWTs, asymmetric algs, a trusted attester,
 * the PoP signed by the cnf key, aud = our issuer identifier, fresh iat, jti replay (one atomic
 * insert in the shared replay table), client_id consistency.
 *
 * Decisions: no challenge endpoint (§8 is optional; @openid4vc/openid4vci 0.4.6 sends no
 * challenge), freshness comes from iat + jti. `iss` is accepted present or absent (-08 drops
 * it). The -00..-02 client_assertion form is recognised: served with a warning in playground
 * mode, refused in strict mode.
 */
import { describeNumericDate } from '../../core/input-limits.js';
import { diagnose, fail, truncate } from '../../core/diagnostics.js';
import { nowSeconds } from '../../core/clock.js';
import { AttesterKeyError, resolveAttesterKey } from '../../crypto/attestation-trust.js';
import { minimalPublicJwk, publicJwkProblem } from '../../crypto/did-resolver.js';
import { jwkThumbprintSync } from '../../crypto/jwk-thumbprint.js';
import type { SessionRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../deps.js';
import { decodeAttestation, judgeUntrusted, numericClaim, verifiesWithAny, type DecodedAttestation } from '../attestation/attestation-jwt.js';

export const ATTESTATION_HEADER = 'oauth-client-attestation';
export const ATTESTATION_POP_HEADER = 'oauth-client-attestation-pop';
export const LEGACY_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-client-attestation';
const TYP = 'oauth-client-attestation+jwt';
const POP_TYP = 'oauth-client-attestation-pop+jwt';

export interface ClientAttestationRequest {
  attestation: string | string[] | undefined;
  pop: string | string[] | undefined;
  /** Form parameters: client_id, and the legacy client_assertion(_type). */
  form: Record<string, string>;
}

export interface VerifiedClientAttestation {
  /** The attestation sub: the wallet's client_id (OID4VCI 1.0 §15.4.4). */
  clientId: string;
  attester?: string;
  /** RFC 7638 thumbprint of the wallet instance key (cnf.jwk). */
  instanceJkt: string;
  trusted: boolean;
}

type Deps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'attestationTrust'>;

/**
 * Verifies the attestation when the request carries one, then applies the requirement: strict
 * mode, or the offer's require_wallet_attestation (read through `session`, called only when
 * needed so a request with an attestation costs no extra read).
 */
export async function authenticateClient(
  deps: Deps,
  urls: IssuerUrls,
  request: ClientAttestationRequest,
  rec: Recorder,
  session: () => Promise<SessionRecord | null>,
): Promise<VerifiedClientAttestation | null> {
  const verified = await verifyClientAttestation(deps, urls, request, rec);
  if (verified) return verified;
  if (deps.config.attestation.mode === 'strict') {
    fail('client_attestation.missing', 'ATTESTATION_MODE is strict: every token and PAR request needs a wallet attestation, and this one has none', { path: 'headers.oauth-client-attestation' });
  }
  if ((await session())?.options.requireWalletAttestation) {
    fail('client_attestation.missing', 'The offer was created with require_wallet_attestation, and the request has no wallet attestation', { path: 'headers.oauth-client-attestation' });
  }
  return null;
}

export async function verifyClientAttestation(deps: Deps, urls: IssuerUrls, request: ClientAttestationRequest, rec: Recorder): Promise<VerifiedClientAttestation | null> {
  const pair = readPair(deps, request, rec);
  if (!pair) return null;
  const now = deps.clock.nowMs();
  const skew = deps.config.proof.iatSkewSeconds;
  const at = pair.paths.attestation;

  // ABCA -07 §5.1: the Client Attestation JWT.
  const attestation = decodeAttestation(pair.attestation, 'The wallet attestation', 'client_attestation.malformed', at);
  if (attestation.header.typ !== TYP) {
    fail('client_attestation.malformed', `wallet attestation typ ${truncate(attestation.header.typ ?? '(absent)', 60)} is not ${TYP}`, { path: `${at}.header.typ`, found: attestation.header.typ ?? null });
  }
  const claims = attestation.payload;
  const sub = claims.sub;
  if (typeof sub !== 'string' || sub === '') fail('client_attestation.malformed', 'the wallet attestation has no sub (the client_id of the wallet)', { path: `${at}.payload.sub` });
  if (claims.iss !== undefined && typeof claims.iss !== 'string') fail('client_attestation.malformed', 'the wallet attestation iss is not a string', { path: `${at}.payload.iss` });
  const cnfJwk = (claims.cnf as { jwk?: unknown } | undefined)?.jwk;
  const jwkProblem = publicJwkProblem(cnfJwk);
  if (jwkProblem) fail('client_attestation.malformed', `the wallet attestation cnf.jwk ${jwkProblem}`, { path: `${at}.payload.cnf.jwk` });
  const instanceKey = minimalPublicJwk(cnfJwk as Record<string, unknown>);
  checkTimes(attestation, now / 1000, skew, at);

  let attester;
  try {
    attester = resolveAttesterKey(attestation.header, deps.attestationTrust.wallet, now);
  } catch (cause) {
    if (!(cause instanceof AttesterKeyError)) throw cause;
    fail('client_attestation.x5c_invalid', `wallet attestation: ${cause.message}`, { path: `${at}.header`, cause });
  }
  if (attester.candidates.length && !(await verifiesWithAny(attestation.compact, attestation.alg, attester.candidates))) {
    fail('client_attestation.signature', `the wallet attestation signature does not verify with the attester key from ${attester.via}`, { path: `${at}.signature`, found: { via: attester.via, chain: attester.chain } });
  }
  if (!attester.trusted) {
    judgeUntrusted(deps.config.attestation.mode, { warning: 'client_attestation.untrusted', refused: 'client_attestation.untrusted_refused' }, attester.reason, at, (d) => rec.diagnostic(d), { via: attester.via, chain: attester.chain, iss: claims.iss });
  }

  // ABCA -07 §5.2: the PoP, signed by the wallet instance key.
  const popPath = pair.paths.pop;
  const pop = decodeAttestation(pair.pop, 'The attestation PoP', 'client_attestation.pop_malformed', popPath);
  if (pop.header.typ !== POP_TYP) fail('client_attestation.pop_malformed', `PoP typ ${truncate(pop.header.typ ?? '(absent)', 60)} is not ${POP_TYP}`, { path: `${popPath}.header.typ`, found: pop.header.typ ?? null });
  if (!(await verifiesWithAny(pop.compact, pop.alg, [instanceKey]))) {
    fail('client_attestation.pop_signature', 'the PoP signature does not verify with the cnf.jwk of the wallet attestation', { path: `${popPath}.signature` });
  }
  const p = pop.payload;
  if (p.iss !== undefined && p.iss !== sub) {
    fail('client_attestation.pop_issuer', `PoP iss ${truncate(p.iss, 80)} is another client than the attestation sub ${truncate(sub, 80)}`, { path: `${popPath}.payload.iss`, expected: sub });
  }
  const audOk = p.aud === urls.issuer || (Array.isArray(p.aud) && p.aud.includes(urls.issuer));
  if (!audOk) {
    const hint = typeof p.aud === 'string' && p.aud.startsWith(`${urls.issuer}/`) ? ' (an endpoint URL, not the issuer identifier)' : '';
    fail('client_attestation.pop_audience', `PoP aud ${truncate(p.aud ?? '(absent)', 100)} is not the authorization server ${urls.issuer}${hint}`, { path: `${popPath}.payload.aud`, expected: urls.issuer });
  }
  if (typeof p.jti !== 'string' || p.jti === '' || p.jti.length > 256) fail('client_attestation.pop_malformed', 'the PoP has no usable jti', { path: `${popPath}.payload.jti` });
  const iat = numericClaim(p, 'iat', 'client_attestation.pop_malformed', popPath);
  if (iat === undefined) fail('client_attestation.pop_malformed', 'the PoP has no iat', { path: `${popPath}.payload.iat` });
  const nowS = nowSeconds(deps.clock);
  const maxAge = deps.config.attestation.popMaxAgeSeconds;
  if (nowS - iat > maxAge || iat - nowS > skew) {
    fail('client_attestation.pop_stale', `PoP iat is ${Math.round(nowS - iat)} s ${iat <= nowS ? 'old' : 'in the future'}; accepted: ${maxAge} s old to ${skew} s ahead`, { path: `${popPath}.payload.iat`, found: iat });
  }
  const exp = numericClaim(p, 'exp', 'client_attestation.pop_malformed', popPath);
  if (exp !== undefined && exp <= nowS - skew) fail('client_attestation.pop_stale', `PoP expired at ${describeNumericDate(exp)}`, { path: `${popPath}.payload.exp` });
  for (const claim of ['challenge', 'nonce'] as const) {
    if (p[claim] !== undefined) rec.diagnostic(diagnose('client_attestation.pop_challenge_ignored', `PoP ${claim} ${truncate(p[claim], 40)} ignored: this server issues no attestation challenges`, { path: `${popPath}.payload.${claim}` }));
  }

  const clientId = request.form.client_id;
  if (clientId !== undefined && clientId !== sub) {
    fail('client_attestation.client_id_mismatch', `client_id ${truncate(clientId, 80)} is not the wallet attestation sub ${truncate(sub, 80)}`, { path: 'body.client_id', expected: sub });
  }

  // Replay last, so only a PoP that passed every check occupies the cache (namespaced apart from DPoP jtis).
  const instanceJkt = jwkThumbprintSync(instanceKey);
  const fresh = await deps.store.replay.useDpopJti(`client-attestation-pop:${instanceJkt}`, p.jti, (iat + maxAge + skew) * 1000, now);
  if (!fresh) fail('client_attestation.pop_replayed', `PoP jti ${truncate(p.jti, 40)} was already used by this wallet instance`, { path: `${popPath}.payload.jti` });

  rec.log('info', 'Wallet attestation verified (ABCA -07)', {
    client_id: sub,
    attester: claims.iss,
    wallet_name: claims.wallet_name,
    trusted: attester.trusted,
    trust: attester.reason,
    attester_key: attester.via,
    ...(attester.chain ? { chain: attester.chain } : {}),
    instance_jkt: instanceJkt,
    expires_at: describeNumericDate(claims.exp as number),
    form: pair.legacy ? 'client_assertion (drafts -00..-02)' : 'headers',
  });
  return { clientId: sub, ...(typeof claims.iss === 'string' ? { attester: claims.iss } : {}), instanceJkt, trusted: attester.trusted };
}

interface Pair {
  attestation: string;
  pop: string;
  legacy: boolean;
  paths: { attestation: string; pop: string };
}

function readPair(deps: Pick<IssuerDeps, 'config'>, request: ClientAttestationRequest, rec: Recorder): Pair | null {
  const { attestation, pop, form } = request;
  const present = (v: string | string[] | undefined) => v !== undefined && v !== '';
  if (present(attestation) || present(pop)) {
    for (const [name, value] of [[ATTESTATION_HEADER, attestation], [ATTESTATION_POP_HEADER, pop]] as const) {
      if (!present(value)) fail('client_attestation.headers', `The request has ${name === ATTESTATION_HEADER ? ATTESTATION_POP_HEADER : ATTESTATION_HEADER} but no ${name} header`, { path: `headers.${name}` });
      // Node joins repeated headers with ", ", which no compact JWT contains (§6.2: exactly one).
      if (Array.isArray(value) || value!.includes(',')) fail('client_attestation.headers', `The request carries more than one ${name} header`, { path: `headers.${name}` });
    }
    return { attestation: (attestation as string).trim(), pop: (pop as string).trim(), legacy: false, paths: { attestation: `headers.${ATTESTATION_HEADER}`, pop: `headers.${ATTESTATION_POP_HEADER}` } };
  }
  if (form.client_assertion_type !== LEGACY_ASSERTION_TYPE) return null;
  const reason = 'client_assertion_type jwt-client-attestation with attestation~pop in client_assertion (ABCA -00..-02)';
  if (deps.config.attestation.mode === 'strict') fail('client_attestation.legacy_form_refused', reason, { path: 'body.client_assertion_type' });
  rec.diagnostic(diagnose('client_attestation.legacy_form', reason, { path: 'body.client_assertion_type' }));
  const [a, p, ...rest] = (form.client_assertion ?? '').split('~');
  if (!a || !p || rest.length) fail('client_attestation.headers', 'client_assertion is not <attestation>~<pop>', { path: 'body.client_assertion' });
  return { attestation: a, pop: p, legacy: true, paths: { attestation: 'body.client_assertion[0]', pop: 'body.client_assertion[1]' } };
}

function checkTimes(attestation: DecodedAttestation, now: number, skew: number, at: string): void {
  const exp = numericClaim(attestation.payload, 'exp', 'client_attestation.malformed', at);
  if (exp === undefined) fail('client_attestation.malformed', 'the wallet attestation has no exp', { path: `${at}.payload.exp` });
  if (exp <= now - skew) fail('client_attestation.expired', `the wallet attestation expired at ${describeNumericDate(exp)}`, { path: `${at}.payload.exp`, found: exp });
  const nbf = numericClaim(attestation.payload, 'nbf', 'client_attestation.malformed', at);
  if (nbf !== undefined && nbf > now + skew) fail('client_attestation.expired', `the wallet attestation is not valid before ${describeNumericDate(nbf)}`, { path: `${at}.payload.nbf`, found: nbf });
  const iat = numericClaim(attestation.payload, 'iat', 'client_attestation.malformed', at);
  if (iat !== undefined && iat > now + skew) fail('client_attestation.malformed', `the wallet attestation iat is ${Math.round(iat - now)} s in the future`, { path: `${at}.payload.iat`, found: iat });
}

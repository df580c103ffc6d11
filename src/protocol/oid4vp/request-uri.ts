/**
 * The request_uri (OpenID4VP 1.0 §5.10): the wallet fetches the signed request object by GET, or
 * POSTs its wallet_metadata and wallet_nonce. Answered with `application/oauth-authz-req+jwt`,
 * typ `oauth-authz-req+jwt` (§5), signed with the x5c leaf (§5.9.3). Any error status makes the
 * wallet stop (§5.10.2): unknown, expired and answered requests get 404 / 410.
 */
import { sign } from 'node:crypto';
import { diagnose, fail, truncate } from '../../core/diagnostics.js';
import { hashSecret } from '../../core/ids.js';
import type { PresentationRequestRecord } from '../../store/verification-records.js';
import type { IssuerDeps, ProtocolResponse, Recorder } from '../deps.js';
import { DRAFT_REQUEST_NAMES } from './draft-request.js';

export interface RequestUriHttpRequest {
  method: 'GET' | 'POST';
  token: string;
  contentType?: string;
  rawBody: string;
}

/** Wallet metadata names of pre-1.0 drafts (OpenID4VP 1.0 §10.1; digest of draft differences). */
const DRAFT_WALLET_METADATA: [test: (m: Record<string, unknown>) => boolean, what: string][] = [
  [(m) => 'client_id_schemes_supported' in m, 'client_id_schemes_supported (drafts up to 25; 1.0: client_id_prefixes_supported)'],
  [(m) => 'vp_formats' in m, 'vp_formats (drafts up to 26; 1.0: vp_formats_supported)'],
  [(m) => { const f = m.vp_formats_supported as Record<string, unknown> | undefined; return !!f && typeof f === 'object' && ('jwt_vp_json' in f || 'ldp_vp' in f || 'vc+sd-jwt' in f); }, 'vp_formats_supported with jwt_vp_json / ldp_vp / vc+sd-jwt (drafts up to 26 and 22)'],
];

export async function handleRequestUriRequest(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'verifier'>,
  http: RequestUriHttpRequest,
  rec: Recorder,
): Promise<ProtocolResponse> {
  const request = await deps.store.presentations.getByRequestToken(hashSecret(http.token));
  if (!request) fail('vp.request_uri.unknown', `No presentation request with this request_uri (${truncate(http.token, 12)})`, { path: 'path.request_uri' });
  rec.bindSession(request.sessionId);
  const now = deps.clock.nowMs();
  if (now >= request.expiresAt) {
    if (request.answeredAt === null) rec.event('session_expired', { reason: 'request_uri fetched after the request expired' });
    fail('vp.request_uri.expired', `The presentation request expired at ${new Date(request.expiresAt).toISOString()}`);
  }
  if (request.answeredAt !== null) fail('vp.request_uri.answered', `The request was answered at ${new Date(request.answeredAt).toISOString()}`);

  const post = http.method === 'POST' ? readRequestUriPost(http) : {};
  const strict = request.options.strict;
  if (post.walletMetadata) {
    const drafts = DRAFT_WALLET_METADATA.filter(([test]) => test(post.walletMetadata!)).map(([, what]) => what);
    if (drafts.length) {
      const reason = `wallet_metadata uses pre-1.0 names: ${drafts.join('; ')}`;
      if (strict) fail('draft.vp.wallet_metadata_refused', reason, { path: 'body.wallet_metadata' });
      rec.diagnostic(diagnoseWarning('draft.vp.wallet_metadata', reason));
    }
  }
  const fetches = (await deps.store.presentations.recordFetch(request.sessionId)) ?? request.fetches + 1;
  if (request.options.faults.singleFetch && fetches > 1) {
    rec.event('fault_injected', { fault: 'single_fetch', fetch: fetches });
    fail('fault.vp.single_fetch', `The request_uri was fetched ${fetches} times; this request allows one (single_fetch)`);
  }
  const jwt = createRequestObjectJwt(deps, request, { now, walletNonce: post.walletNonce });
  const draft = request.options.draftRequest;
  if (draft) rec.diagnostic(diagnose('draft.vp.request_shape', `served in the shape of ${DRAFT_REQUEST_NAMES[draft]}, as created; a 1.0 wallet expects dcql_query and a prefixed client_id`, { path: 'request_object', found: draft }));
  rec.event('request_retrieved', { fetch: fetches, method: http.method, signed: !jwt.unsigned, ...(post.walletMetadata ? { wallet_metadata: Object.keys(post.walletMetadata) } : {}) });
  rec.log('info', fetches > 1 ? `Request object fetched again (fetch ${fetches})` : 'Request object fetched by the wallet', {
    method: http.method,
    fetch: fetches,
    typ: 'oauth-authz-req+jwt',
    alg: jwt.unsigned ? 'none' : 'ES256',
    client_id: request.clientId,
    ...(post.walletMetadata ? { wallet_metadata: post.walletMetadata } : {}),
    ...(post.walletNonce ? { wallet_nonce: post.walletNonce } : {}),
    ...(jwt.unsigned && request.options.faults.unsignedRequest ? { fault: 'unsigned_request: served with alg none on purpose; a 1.0 wallet must refuse it' } : {}),
  });
  return { status: 200, body: jwt.compact, headers: { 'content-type': 'application/oauth-authz-req+jwt', 'cache-control': 'no-store' } };
}

function readRequestUriPost(http: RequestUriHttpRequest): { walletMetadata?: Record<string, unknown>; walletNonce?: string } {
  const type = (http.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (http.rawBody === '') return {};
  if (type !== 'application/x-www-form-urlencoded') fail('vp.request_uri.wallet_metadata_malformed', `Content-Type ${type || '(none)'} is not application/x-www-form-urlencoded`, { path: 'headers.content-type', found: type });
  const form = new URLSearchParams(http.rawBody);
  const raw = form.get('wallet_metadata');
  let walletMetadata: Record<string, unknown> | undefined;
  if (raw !== null) {
    try {
      const parsed = JSON.parse(raw) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      walletMetadata = parsed as Record<string, unknown>;
    } catch (e) {
      fail('vp.request_uri.wallet_metadata_malformed', `wallet_metadata is not a JSON object: ${(e as Error).message}`, { path: 'body.wallet_metadata', found: truncate(raw, 80) });
    }
  }
  const walletNonce = form.get('wallet_nonce') ?? undefined;
  return { ...(walletMetadata ? { walletMetadata } : {}), ...(walletNonce ? { walletNonce } : {}) };
}

/** The request object as a compact JWS (or alg none for redirect_uri and the unsigned_request fault). */
export function createRequestObjectJwt(
  deps: Pick<IssuerDeps, 'verifier'>,
  request: PresentationRequestRecord,
  opts: { now: number; walletNonce?: string },
): { compact: string; unsigned: boolean } {
  const unsigned = request.options.clientIdPrefix === 'redirect_uri' || request.options.faults.unsignedRequest === true;
  const payload = {
    ...request.options.requestObject,
    // §5.10.1: a wallet_nonce received at the request_uri is echoed in the signed object.
    ...(opts.walletNonce ? { wallet_nonce: opts.walletNonce } : {}),
    iat: Math.floor(opts.now / 1000),
    exp: Math.floor(request.expiresAt / 1000),
  };
  const header = unsigned ? { alg: 'none', typ: 'oauth-authz-req+jwt' } : { alg: 'ES256', typ: 'oauth-authz-req+jwt', x5c: deps.verifier.keys.x5c };
  const input = `${b64(header)}.${b64(payload)}`;
  if (unsigned) return { compact: `${input}.`, unsigned };
  const signature = sign('sha256', Buffer.from(input), { key: deps.verifier.keys.privateKey, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return { compact: `${input}.${signature}`, unsigned };
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function diagnoseWarning(code: 'draft.vp.wallet_metadata', reason: string) {
  return diagnose(code, reason, { path: 'body.wallet_metadata' });
}

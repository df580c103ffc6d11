/**
 * Reading an authorization response at the response_uri (OpenID4VP 1.0 §8.2, §8.3.1): the form
 * body, the JWE of direct_post.jwt decrypted with the request's ephemeral key (found by the JWE
 * kid), and the vp_token in the 1.0 shape — or a pre-1.0 shape recognised explicitly and named.
 */
import { compactDecrypt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { diagnose, fail, truncate, type Diagnostic } from '../../core/diagnostics.js';
import { hashSecret } from '../../core/ids.js';
import type { PresentationRequestRecord } from '../../store/verification-records.js';
import type { IssuerDeps } from '../deps.js';
import { RESPONSE_ENC_VALUES } from './create-request.js';

export interface ResponseHttpRequest {
  contentType?: string;
  rawBody: string;
}

export interface ReadResponse {
  request: PresentationRequestRecord;
  /** The response parameters (decrypted for direct_post.jwt). */
  params: Record<string, unknown>;
  encrypted: { alg: string; enc: string; kid: string } | null;
}

/** Finds the request a response answers and returns its parameters; unknown requests are refused unbound. */
export async function readAuthorizationResponse(deps: Pick<IssuerDeps, 'store'>, http: ResponseHttpRequest, bind: (sessionId: string) => void, injected: (fault: string) => void): Promise<ReadResponse> {
  const type = (http.contentType ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') fail('vp.response.malformed', `Content-Type ${type || '(none)'} is not application/x-www-form-urlencoded`, { path: 'headers.content-type', found: type });
  const form = Object.fromEntries(new URLSearchParams(http.rawBody));
  if (typeof form.response === 'string') {
    let header: ReturnType<typeof decodeProtectedHeader>;
    try {
      header = decodeProtectedHeader(form.response);
    } catch (e) {
      fail('vp.response.jwe_invalid', `response is not a compact JWE: ${(e as Error).message}`, { path: 'body.response' });
    }
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    const request = kid ? await deps.store.presentations.getByEncryptionKid(kid) : form.state ? await deps.store.presentations.getByState(hashSecret(form.state)) : null;
    if (!request) fail('vp.response.jwe_invalid', kid ? `JWE kid ${truncate(kid, 40)} names no key of an open request` : 'the JWE header has no kid (OpenID4VP 1.0 §8.3: repeat the kid of the JWK used)', { path: 'body.response.header.kid', found: header });
    bind(request.sessionId);
    const params = await decryptResponse(form.response, header, request);
    if (typeof params.state === 'string' && hashSecret(params.state) !== request.stateHash) fail('vp.response.unknown_state', 'the state inside the JWE is not the state of the request whose key decrypted it', { path: 'body.response.state' });
    return { request, params, encrypted: { alg: String(header.alg), enc: String(header.enc), kid: String(header.kid) } };
  }
  if (typeof form.state !== 'string' || form.state === '') fail('vp.response.malformed', `the body has no state (parameters: ${Object.keys(form).join(', ') || 'none'})`, { path: 'body.state', found: Object.keys(form) });
  const request = await deps.store.presentations.getByState(hashSecret(form.state));
  if (!request) fail('vp.response.unknown_state', 'no presentation request has this state', { path: 'body.state' });
  bind(request.sessionId);
  if (form.error === undefined && form.vp_token === undefined) fail('vp.response.malformed', `the body has neither vp_token nor error (parameters: ${Object.keys(form).join(', ')})`, { path: 'body' });
  // §8.3.1 / HAIP: with direct_post.jwt the vp_token travels encrypted; only errors may come in clear.
  if (request.options.responseMode === 'direct_post.jwt' && form.vp_token !== undefined) fail('vp.response.encryption_required', 'vp_token was posted unencrypted although the request asked for direct_post.jwt', { path: 'body.vp_token' });
  if (request.options.faults.requireEncryptedResponse) {
    injected('require_encrypted_response');
    fail('fault.vp.require_encrypted_response', `an error response (${String(form.error).slice(0, 60)}) was posted in clear; this request takes encrypted responses only (require_encrypted_response)`, { path: 'body.error' });
  }
  return { request, params: form, encrypted: null };
}

async function decryptResponse(jwe: string, header: Record<string, unknown>, request: PresentationRequestRecord): Promise<Record<string, unknown>> {
  if (!request.encryptionKey) fail('vp.response.jwe_invalid', 'this request asked for direct_post, not an encrypted response', { path: 'body.response' });
  if (header.alg !== 'ECDH-ES') fail('vp.response.jwe_invalid', `JWE alg ${String(header.alg)} is not the alg of the JWK (ECDH-ES)`, { path: 'body.response.header.alg', found: header.alg });
  if (!(RESPONSE_ENC_VALUES as readonly string[]).includes(String(header.enc))) fail('vp.response.jwe_invalid', `JWE enc ${String(header.enc)} is not one of ${RESPONSE_ENC_VALUES.join(', ')}`, { path: 'body.response.header.enc', found: header.enc });
  let plaintext: Uint8Array;
  try {
    const key = await importJWK(request.encryptionKey as JWK, 'ECDH-ES');
    ({ plaintext } = await compactDecrypt(jwe, key, { keyManagementAlgorithms: ['ECDH-ES'], contentEncryptionAlgorithms: [...RESPONSE_ENC_VALUES] }));
  } catch (e) {
    fail('vp.response.jwe_invalid', `the JWE does not decrypt with the request key: ${(e as Error).message}`, { path: 'body.response' });
  }
  try {
    const params = JSON.parse(new TextDecoder().decode(plaintext)) as unknown;
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new Error('not an object');
    return params as Record<string, unknown>;
  } catch (e) {
    fail('vp.response.jwe_invalid', `the JWE payload is not a JSON object of response parameters: ${(e as Error).message}`, { path: 'body.response.payload' });
  }
}

export interface ReadVpToken {
  /** In the 1.0 shape: query id -> presentations. */
  token: Record<string, unknown[]>;
  /** A pre-1.0 shape, named with its draft (served with a warning, refused in strict mode). */
  draft?: Diagnostic;
}

/** vp_token (§8.1): a JSON object keyed by credential query id whose values are arrays. */
export function readVpToken(raw: unknown, queryIds: string[], params: Record<string, unknown>, strict: boolean): ReadVpToken {
  let value = raw;
  if (typeof raw === 'string' && /^\s*[[{]/.test(raw)) {
    try {
      value = JSON.parse(raw);
    } catch (e) {
      fail('vp.vp_token.malformed', `vp_token is not JSON: ${(e as Error).message}`, { path: 'body.vp_token' });
    }
  }
  const refuse = (reason: string) => (strict ? fail('draft.vp.response_shape_refused', reason, { path: 'body.vp_token' }) : diagnose('draft.vp.response_shape', reason, { path: 'body.vp_token' }));
  const submission = params.presentation_submission !== undefined ? ' with presentation_submission (Presentation Exchange, drafts up to 25)' : '';
  if (typeof value === 'string' || Array.isArray(value)) {
    const reason = `vp_token is a ${Array.isArray(value) ? 'JSON array' : 'single string'}${submission}: the Presentation Exchange shape of drafts up to 25`;
    const mapped = bySubmission(value, params.presentation_submission);
    if (mapped) return { token: mapped, draft: refuse(reason) };
    if (queryIds.length !== 1) fail('vp.vp_token.malformed', `${reason}; with ${queryIds.length} credential queries and no usable presentation_submission it cannot be tied to one`, { path: 'body.vp_token' });
    const draft = refuse(reason);
    return { token: { [queryIds[0]]: Array.isArray(value) ? value : [value] }, draft };
  }
  if (typeof value !== 'object' || value === null) fail('vp.vp_token.malformed', `vp_token is ${value === null ? 'null' : typeof value}, not an object`, { path: 'body.vp_token' });
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length === 0) fail('vp.vp_token.malformed', 'vp_token is an empty object', { path: 'body.vp_token' });
  const single = entries.filter(([, v]) => !Array.isArray(v)).map(([k]) => k);
  const token = Object.fromEntries(entries.map(([k, v]) => [k, Array.isArray(v) ? v : [v]]));
  if (single.length) return { token, draft: refuse(`vp_token values of ${single.join(', ')} are single presentations, not arrays${submission}: the shape of drafts 22 to 24`) };
  return { token };
}

/**
 * Presentation Exchange (drafts up to 25): presentation_submission.descriptor_map ties each
 * presentation to an input descriptor, whose id is the credential query id when we asked with a
 * presentation_definition. Paths "$" (the whole vp_token) and "$[i]" are read; null otherwise.
 */
function bySubmission(value: string | unknown[], submission: unknown): Record<string, unknown[]> | null {
  let parsed = submission;
  if (typeof submission === 'string') {
    try {
      parsed = JSON.parse(submission);
    } catch {
      return null;
    }
  }
  const map = (parsed as { descriptor_map?: unknown } | null)?.descriptor_map;
  if (!Array.isArray(map) || map.length === 0) return null;
  const token: Record<string, unknown[]> = {};
  for (const entry of map as { id?: unknown; path?: unknown }[]) {
    if (typeof entry?.id !== 'string' || typeof entry.path !== 'string') return null;
    const index = /^\$\[(\d+)\]$/.exec(entry.path);
    const presentation = entry.path === '$' && !Array.isArray(value) ? value : index && Array.isArray(value) ? value[Number(index[1])] : undefined;
    if (presentation === undefined) return null;
    (token[entry.id] ??= []).push(presentation);
  }
  return token;
}

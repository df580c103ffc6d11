import { createHash } from 'node:crypto';
import { redactSecret } from '../core/ids.js';

/**
 * What the session log keeps of a request. Secrets are replaced by a keyed fingerprint (so two
 * requests with the same code can still be matched, see redactSecret), client addresses are
 * dropped unless the operator chose to keep them.
 */

const secretFields = new Set([
  'pre-authorized_code',
  'tx_code',
  'user_pin',
  'code',
  'code_verifier',
  'refresh_token',
  'access_token',
  'client_secret',
  'client_assertion',
  'password',
  // Authorization code flow: issuer_state starts an authorization; csrf_token guards the consent form.
  'issuer_state',
  'csrf_token',
  // A pushed request's handle opens its consent page (RFC 9126 §2.2).
  'request_uri',
  // Handles a wallet presents again with its token (OID4VCI 1.0 §9, §11): shown like the other secrets.
  'transaction_id',
  'notification_id',
  // The verifier's same-device result page is read with it (OpenID4VP 1.0 §8.2).
  'response_code',
  // A presentation request's state ties a response to it (OpenID4VP 1.0 §8.2): whoever reads it
  // from a share link or an export could answer an open request. The OAuth state is a wallet's
  // own CSRF value; fingerprinted as well, it still matches across requests.
  'state',
]);

/**
 * Path parameters that are capabilities: the offer id of GET /credential_offers/{id} is the
 * credential_offer_uri, which hands out the pre-authorized code (OID4VCI 1.0 §4.1.3); the token
 * of a verifier request_uri hands out the request object with its state (OpenID4VP 1.0 §5.10).
 */
const secretPathParams = new Set(['offerId', 'requestToken']);

/** The request path as logged: a capability in it replaced by its fingerprint, the query left out. */
export function redactPath(url: string, params: unknown, serverSecret: string): string {
  const path = url.split('?')[0];
  const secrets = new Set<string>();
  if (params && typeof params === 'object') {
    for (const [name, value] of Object.entries(params as Record<string, unknown>)) if (secretPathParams.has(name) && typeof value === 'string' && value) secrets.add(value);
  }
  if (!secrets.size) return path;
  return path
    .split('/')
    .map((segment) => (secrets.has(segment) || secrets.has(safeDecode(segment)) ? redactSecret(serverSecret, safeDecode(segment)) : segment))
    .join('/');
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A redirect's Location as logged: secret query parameters (an authorization code) fingerprinted. */
function redactLocation(value: string, serverSecret: string): string {
  const q = value.indexOf('?');
  if (q < 0) return value;
  const query = new URLSearchParams(value.slice(q + 1));
  let changed = false;
  for (const [name, v] of [...query]) {
    if (secretFields.has(name)) {
      query.set(name, redactSecret(serverSecret, v));
      changed = true;
    }
  }
  return changed ? `${value.slice(0, q)}?${query}` : value;
}

const secretHeaders = new Set(['cookie', 'set-cookie', 'x-admin-token', 'proxy-authorization']);
const addressHeaders = new Set(['x-forwarded-for', 'x-real-ip', 'forwarded', 'cf-connecting-ip', 'true-client-ip', 'x-envoy-external-address']);

export function redactHeaders(headers: Record<string, unknown>, serverSecret: string, keepAddresses = false): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization' && typeof value === 'string') {
      const space = value.indexOf(' ');
      out[lower] = space > 0 ? `${value.slice(0, space)} ${redactSecret(serverSecret, value.slice(space + 1))}` : redactSecret(serverSecret, value);
    } else if (lower === 'location' && typeof value === 'string') {
      out[lower] = redactLocation(value, serverSecret);
    } else if (secretHeaders.has(lower)) {
      out[lower] = '<redacted>';
    } else if (addressHeaders.has(lower) && !keepAddresses) {
      out[lower] = '<address withheld>';
    } else {
      out[lower] = value;
    }
  }
  return out;
}

/** Redacts secret members of a form or JSON body, recursively for JSON. */
export function redactBody(body: unknown, serverSecret: string, depth = 0): unknown {
  if (body === null || typeof body !== 'object') return body;
  // Below this depth nothing is kept: a deeper subtree is unredacted and could overflow the stack of JSON.stringify when the log is written.
  if (depth > 8) return '(nested deeper than 8 levels: not logged)';
  if (Array.isArray(body)) return body.map((v) => redactBody(v, serverSecret, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (secretFields.has(key) && (typeof value === 'string' || typeof value === 'number')) out[key] = redactSecret(serverSecret, String(value));
    // A repeated form parameter is logged with every value: each is as secret as one alone.
    else if (secretFields.has(key) && Array.isArray(value)) out[key] = value.map((v) => (typeof v === 'string' || typeof v === 'number' ? redactSecret(serverSecret, String(v)) : redactBody(v, serverSecret, depth + 1)));
    else out[key] = redactBody(value, serverSecret, depth + 1);
  }
  return out;
}

/**
 * A response body as the log keeps it: secrets fingerprinted as in requests, and each issued
 * credential replaced by its size and SHA-256 (base64url, as in the issued-credentials table):
 * the issuer keeps digests of what it issued, never the credentials.
 */
export function redactResponseBody(body: unknown, serverSecret: string): unknown {
  return redactBody(replaceCredentials(body, 0), serverSecret);
}

function replaceCredentials(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object' || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => replaceCredentials(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'credential' && v !== null && v !== undefined) {
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      out[key] = `<credential: ${text.length} characters, sha256 ${createHash('sha256').update(text).digest('base64url')}>`;
    } else out[key] = replaceCredentials(v, depth + 1);
  }
  return out;
}

/**
 * A log entry's data without client addresses (for share links and anyone but admins): the
 * address headers are withheld and a kept `client_ip` dropped. Other members stay as logged.
 */
export function withholdAddresses(data: Record<string, unknown> | null): Record<string, unknown> | null {
  if (!data) return data;
  const { client_ip: _ip, ...rest } = data;
  const headers = rest.headers;
  if (headers && typeof headers === 'object' && !Array.isArray(headers)) {
    const out: Record<string, unknown> = {};
    for (const [name, value] of Object.entries(headers)) out[name] = addressHeaders.has(name.toLowerCase()) ? '<address withheld>' : value;
    rest.headers = out;
  }
  return rest;
}

import type { IncomingHttpHeaders } from 'node:http';
import { fail, truncate, type DiagnosticCode } from '../core/diagnostics.js';
import { JsonTooDeepError, parseJsonLimited } from '../core/input-limits.js';

/**
 * One wallet-facing request, read once at the edge (http/protocol-request.ts) and handed to
 * the protocol as plain data. The body is parsed by its declared media type exactly once; the
 * session log records this value, so what the log shows is what the protocol judged (a form
 * with a repeated parameter keeps every value, and the protocol refuses it).
 */
export interface ProtocolRequest {
  /** Request id: the x-request-id of the reply and the request_id of its log entry. */
  id: string;
  /** Route name (token, credential, authorization, …, unknown_route). */
  endpoint: string;
  method: string;
  /** Path below the host, without the query. */
  path: string;
  /** The query string without `?` ('' when none). */
  query: string;
  /** As received, names lower-case (Node joins repeated headers, except set-cookie). */
  headers: Readonly<IncomingHttpHeaders>;
  clientIp: string;
  /** The media type of Content-Type, lower-case, without parameters; '' when absent. */
  contentType: string;
  rawBody: string;
  body: RequestBody;
}

/**
 * The body as parsed by its media type: a form (every pair, in order), JSON (depth-limited), any
 * other text as is, or the JSON parse failure (judged by the endpoint that reads it).
 */
export type RequestBody =
  | { kind: 'empty' }
  | { kind: 'form'; pairs: [string, string][] }
  | { kind: 'json'; value: unknown }
  | { kind: 'text'; text: string }
  | { kind: 'invalid_json'; tooDeep: boolean; message: string };

export const FORM_TYPE = 'application/x-www-form-urlencoded';
export const JSON_TYPE = 'application/json';

/** Parses a raw body by its media type, once. */
export function parseRequestBody(contentType: string, raw: string): RequestBody {
  if (raw === '') return { kind: 'empty' };
  if (contentType === FORM_TYPE) return { kind: 'form', pairs: [...new URLSearchParams(raw)] };
  if (contentType === JSON_TYPE) {
    try {
      return { kind: 'json', value: parseJsonLimited(raw) };
    } catch (err) {
      return { kind: 'invalid_json', tooDeep: err instanceof JsonTooDeepError, message: (err as Error).message };
    }
  }
  return { kind: 'text', text: raw };
}

/** The media type of a Content-Type header: lower-case, without parameters. */
export function mediaTypeOf(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').split(';')[0].trim().toLowerCase();
}

/**
 * What each endpoint with a body accepts, and the diagnostic a wrong content type gets there:
 * the one table the content type is checked against. Token and PAR take forms (RFC 6749 §3.2,
 * RFC 9126 §2.1); the credential endpoints JSON, or a JWE for encrypted requests (OID4VCI 1.0 §10).
 */
interface BodyRule {
  accepts: readonly string[];
  code: DiagnosticCode;
  /** How the refusal names what was expected. */
  expected: string;
}

const FORM_RULE: BodyRule = { accepts: [FORM_TYPE], code: 'request.content_type.unsupported', expected: FORM_TYPE };

export const bodyRules: Readonly<Record<string, BodyRule>> = {
  token: FORM_RULE,
  par: FORM_RULE,
  authorization_consent: FORM_RULE,
  credential: { accepts: [JSON_TYPE, 'application/jwt'], code: 'credential.request.content_type', expected: 'application/json (or application/jwt for an encrypted request)' },
  deferred_credential: { accepts: [JSON_TYPE, 'application/jwt'], code: 'deferred.request.content_type', expected: 'application/json (or application/jwt for an encrypted request)' },
  notification: { accepts: [JSON_TYPE], code: 'notification.request.content_type', expected: JSON_TYPE },
};

/** Refuses a content type the endpoint does not take; returns the media type. */
export function requireContentType(request: Pick<ProtocolRequest, 'endpoint' | 'contentType'>): string {
  const rule = bodyRules[request.endpoint];
  if (!rule) throw new TypeError(`No body rule for endpoint ${request.endpoint}`);
  const type = request.contentType;
  if (!rule.accepts.includes(type)) {
    // The header is the wallet's: shortened, since it ends up in error_description.
    const shown = type.slice(0, 60) || '(none)';
    fail(rule.code, `Content-Type ${shown} is not ${rule.expected}`, { path: 'headers.content-type', found: type });
  }
  return type;
}

/**
 * The parameters of a form body or query string, each once: a repeated parameter is a request
 * error (RFC 6749 §3.1, §3.2), never something to pick from silently.
 */
export function singleValued(pairs: readonly [string, string][], code: 'token.parameter.duplicated' | 'authorize.parameter.duplicated', pathPrefix: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of pairs) {
    if (Object.hasOwn(out, key)) fail(code, `Parameter ${truncate(key, 40)} appears more than once`, { path: `${pathPrefix}${key}` });
    out[key] = value;
  }
  return out;
}

/** The pairs of a form body (empty for any other body). */
export function formPairs(request: Pick<ProtocolRequest, 'body'>): [string, string][] {
  return request.body.kind === 'form' ? request.body.pairs : [];
}

/** The pairs of the query string. */
export function queryPairs(request: Pick<ProtocolRequest, 'query'>): [string, string][] {
  return [...new URLSearchParams(request.query)];
}

/**
 * The JSON value of a request body whose content type was accepted as JSON; a body that did not
 * parse is refused with the endpoint's code (`malformed`), or request.body.too_deep.
 */
export function jsonBody(request: Pick<ProtocolRequest, 'body'>, malformed: 'request.body.malformed_json' | 'notification.request.malformed'): unknown {
  const body = request.body;
  if (body.kind === 'json') return body.value;
  if (body.kind === 'invalid_json') {
    if (body.tooDeep) fail('request.body.too_deep', `The body is ${body.message}`, { path: 'body' });
    fail(malformed, `The body is not valid JSON: ${body.message}`, { path: 'body' });
  }
  // An empty body is not JSON either.
  fail(malformed, 'The body is not valid JSON: Unexpected end of JSON input', { path: 'body' });
}

/** The body's text as received (application/jwt and other non-JSON bodies). */
export function bodyText(request: Pick<ProtocolRequest, 'rawBody'>): string {
  return request.rawBody;
}

import type { LogEntry } from '../store/store.js';

/**
 * HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/) of the requests a session log
 * recorded: one entry per request, with the redacted headers and body exactly as logged (so
 * no secret can leak through an export), and a cURL line per request in the entry's comment,
 * for attaching to a bug report. Response bodies are recorded only for refusals.
 */

interface RequestLogData {
  method: string;
  path: string;
  headers?: Record<string, unknown>;
  body?: unknown;
  status?: number;
  duration_ms?: number;
  response?: unknown;
  response_headers?: Record<string, unknown>;
}

const SKIPPED_CURL_HEADERS = new Set(['host', 'content-length', 'connection', 'accept-encoding']);

/** Request entries are the debug entries runEndpoint writes: they carry method and path. */
export function isRequestEntry(log: LogEntry): boolean {
  const d = log.data as Partial<RequestLogData> | null;
  return log.level === 'debug' && typeof d?.method === 'string' && typeof d?.path === 'string';
}

export function createHar(logs: readonly LogEntry[], origin: string, creator: { name: string; version: string }): Record<string, unknown> {
  const entries = logs
    .filter(isRequestEntry)
    .sort((a, b) => (a.id < b.id ? -1 : 1))
    .map((log) => harEntry(log, origin));
  return { log: { version: '1.2', creator, pages: [], entries } };
}

function harEntry(log: LogEntry, origin: string): Record<string, unknown> {
  const d = log.data as unknown as RequestLogData;
  // As a URL: a fingerprint in the path (<redacted hmac:…>) is percent-encoded like any other character.
  const url = new URL(`${origin}${d.path}`).href;
  const headers = Object.entries(d.headers ?? {}).map(([name, value]) => ({ name, value: Array.isArray(value) ? value.join(', ') : String(value) }));
  const contentType = String((d.headers ?? {})['content-type'] ?? '');
  const bodyText = d.body === undefined ? undefined : bodyToText(d.body, contentType);
  const status = d.status ?? 0;
  const duration = d.duration_ms ?? 0;
  return {
    startedDateTime: new Date(log.timestamp).toISOString(),
    time: duration,
    request: {
      method: d.method,
      url,
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers,
      queryString: [...new URL(url).searchParams].map(([name, value]) => ({ name, value })),
      ...(bodyText !== undefined ? { postData: { mimeType: contentType || 'application/octet-stream', text: bodyText } } : {}),
      headersSize: -1,
      bodySize: bodyText === undefined ? 0 : Buffer.byteLength(bodyText),
    },
    response: {
      status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: Object.entries(d.response_headers ?? {}).map(([name, value]) => ({ name, value: String(value) })),
      content:
        d.response !== undefined
          ? { size: -1, mimeType: 'application/json', text: JSON.stringify(d.response) }
          : { size: -1, mimeType: 'application/json', comment: 'no response body recorded' },
      redirectURL: '',
      headersSize: -1,
      bodySize: -1,
    },
    cache: {},
    timings: { send: 0, wait: duration, receive: 0 },
    comment: curlLine(d.method, url, headers, bodyText),
    _request_id: log.requestId,
    _endpoint: log.endpoint,
  };
}

/** The logged body back as wire text: a form body was logged as an object of its fields. */
function bodyToText(body: unknown, contentType: string): string {
  if (typeof body === 'string') return body;
  if (contentType.startsWith('application/x-www-form-urlencoded') && body && typeof body === 'object') {
    return new URLSearchParams(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, String(v)])).toString();
  }
  return JSON.stringify(body);
}

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function curlLine(method: string, url: string, headers: { name: string; value: string }[], body?: string): string {
  const parts = ['curl', '-X', method, shellQuote(url)];
  for (const h of headers) if (!SKIPPED_CURL_HEADERS.has(h.name)) parts.push('-H', shellQuote(`${h.name}: ${h.value}`));
  if (body !== undefined) parts.push('--data-raw', shellQuote(body));
  return parts.join(' ');
}

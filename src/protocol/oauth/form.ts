import { fail } from '../../core/diagnostics.js';

/**
 * Parses an application/x-www-form-urlencoded body without coercion. A repeated parameter is a
 * request error (RFC 6749 §3.2), not something to pick from silently.
 */
export function parseForm(raw: string): Record<string, string> {
  const params = new URLSearchParams(raw);
  const out: Record<string, string> = {};
  for (const [key, value] of params) {
    if (Object.hasOwn(out, key)) fail('token.parameter.duplicated', `Parameter ${key} appears more than once`, { path: `body.${key}` });
    out[key] = value;
  }
  return out;
}

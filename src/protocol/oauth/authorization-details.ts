import { fail } from '../../core/diagnostics.js';
import { parseJsonLimited } from '../../core/input-limits.js';

/**
 * authorization_details of type openid_credential (RFC 9396, OID4VCI 1.0 §5.1.1 / §6.1.1).
 * Returns the credential configuration ids requested; each must be among `allowed`.
 */
export function parseAuthorizationDetails(raw: string, allowed: string[], path: string): string[] {
  let parsed: unknown;
  try {
    parsed = parseJsonLimited(raw);
  } catch {
    fail('token.authorization_details.malformed', 'authorization_details is not valid JSON (or nested too deep)', { path, found: raw.slice(0, 80) });
  }
  if (!Array.isArray(parsed) || parsed.length === 0) {
    fail('token.authorization_details.malformed', 'authorization_details must be a non-empty JSON array', { path });
  }
  const ids: string[] = [];
  parsed.forEach((entry: unknown, i: number) => {
    const e = entry as Record<string, unknown> | null;
    if (!e || typeof e !== 'object' || e.type !== 'openid_credential') {
      fail('token.authorization_details.malformed', `authorization_details[${i}].type must be openid_credential`, { path: `${path}[${i}].type`, found: e?.type });
    }
    const id = e.credential_configuration_id;
    if (typeof id !== 'string') {
      fail('token.authorization_details.malformed', `authorization_details[${i}] has no credential_configuration_id`, {
        path: `${path}[${i}]`,
        found: Object.keys(e),
      });
    }
    if (!allowed.includes(id)) {
      fail('token.authorization_details.not_offered', `credential_configuration_id ${id.slice(0, 80)} was not offered`, {
        path: `${path}[${i}].credential_configuration_id`,
        expected: `one of ${allowed.join(', ')}`,
      });
    }
    if (!ids.includes(id)) ids.push(id);
  });
  return ids;
}

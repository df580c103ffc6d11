import { fail, truncate } from '../../core/diagnostics.js';

/**
 * Redirect URI policy for public clients without registration (wallets):
 * - any client_id is accepted, so the redirect URI is the only thing to check, and it must be
 *   the same at PAR/authorize and at the token endpoint (RFC 6749 §4.1.3);
 * - absolute, no fragment (RFC 6749 §3.1.2);
 * - https anywhere; http only on loopback (RFC 8252 §7.3, §8.3);
 * - private-use schemes of wallet apps (RFC 8252 §7.1), except schemes a browser would run or
 *   render (javascript:, data:, …), which could turn the consent page's redirect into script.
 * Without registration every redirect is to a URI the client chose: the same is true of any
 * playground that accepts arbitrary wallets, and is why errors before this check never redirect.
 */

const FORBIDDEN_SCHEMES = new Set(['javascript:', 'data:', 'vbscript:', 'file:', 'blob:', 'about:', 'filesystem:', 'ftp:', 'ws:', 'wss:']);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function verifyRedirectUri(raw: string | undefined, path = 'redirect_uri'): string {
  if (!raw) fail('authorize.redirect_uri.missing', 'The request has no redirect_uri', { path });
  const invalid = (why: string): never => fail('authorize.redirect_uri.invalid', `redirect_uri ${truncate(raw, 100)} ${why}`, { path, found: truncate(raw, 200) });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return invalid('is not an absolute URI');
  }
  if (raw.includes('#')) invalid('carries a fragment (RFC 6749 §3.1.2)');
  if (/[\s<>"]/.test(raw)) invalid('contains whitespace, quotes or angle brackets');
  if (FORBIDDEN_SCHEMES.has(url.protocol)) invalid(`uses the ${url.protocol} scheme, which is never a client redirect`);
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname)) {
    invalid('uses http on a non-loopback host; use https, or http://127.0.0.1 for native apps (RFC 8252 §7.3)');
  }
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.username) invalid('carries user information');
  return raw;
}

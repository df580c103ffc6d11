import { createHmac } from 'node:crypto';
import { timingSafeEqualText } from '../crypto/constant-time.js';

/**
 * Dashboard sign-in without server-side state (so it works across instances): the cookie is
 * `<expiry>.<HMAC(expiry)>` under a key derived from ADMIN_TOKEN, HttpOnly and SameSite=Strict.
 * Forms carry a CSRF token bound to the cookie value. Changing ADMIN_TOKEN signs everyone out.
 */

export const COOKIE_NAME = 'il_dashboard';
const SIGN_IN_HOURS = 12;

export class DashboardAuth {
  private readonly key: Buffer;

  constructor(private readonly adminToken: string) {
    this.key = createHmac('sha256', 'issuance-lab dashboard v1').update(adminToken).digest();
  }

  private mac(purpose: string, value: string): string {
    return createHmac('sha256', this.key).update(`${purpose}:${value}`).digest('base64url');
  }

  checkAdminToken(candidate: string): boolean {
    return candidate.length > 0 && timingSafeEqualText(candidate, this.adminToken);
  }

  issueCookieValue(nowMs: number): string {
    const expiry = String(nowMs + SIGN_IN_HOURS * 3_600_000);
    return `${expiry}.${this.mac('session', expiry)}`;
  }

  verifyCookieValue(value: string | undefined, nowMs: number): boolean {
    if (!value) return false;
    const [expiry, mac] = value.split('.');
    if (!expiry || !mac || !/^\d+$/.test(expiry) || Number(expiry) <= nowMs) return false;
    return timingSafeEqualText(mac, this.mac('session', expiry));
  }

  csrfToken(cookieValue: string): string {
    return this.mac('csrf', cookieValue);
  }

  verifyCsrf(cookieValue: string, token: unknown): boolean {
    return typeof token === 'string' && token.length > 0 && timingSafeEqualText(token, this.csrfToken(cookieValue));
  }
}

/** The cookie's value; undefined when absent or not valid percent-encoding (read as signed out, never an error). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

export function cookieHeader(value: string, opts: { path: string; secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${COOKIE_NAME}=${encodeURIComponent(value)}`,
    `Path=${opts.path || '/'}`,
    'HttpOnly',
    'SameSite=Strict',
    `Max-Age=${opts.maxAgeSeconds}`,
    ...(opts.secure ? ['Secure'] : []),
  ].join('; ');
}

export const SIGN_IN_SECONDS = SIGN_IN_HOURS * 3600;

import { createHmac, randomBytes } from 'node:crypto';
import { timingSafeEqualText } from '../crypto/constant-time.js';

/**
 * Dashboard sign-in: the cookie is `<expiry>.<sign-in id>.<HMAC>` under a key derived from
 * ADMIN_TOKEN, HttpOnly and SameSite=Strict, so any instance can check it without a lookup of
 * its own; sign-out records the sign-in id in the database, where every instance sees it
 * (context.ts). Forms carry a CSRF token bound to the cookie value. Changing ADMIN_TOKEN signs
 * everyone out.
 */

export const COOKIE_NAME = 'il_dashboard';
const SIGN_IN_HOURS = 12;

export interface SignIn {
  id: string;
  expiresAt: number;
}

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
    const signed = `${nowMs + SIGN_IN_HOURS * 3_600_000}.${randomBytes(16).toString('base64url')}`;
    return `${signed}.${this.mac('session', signed)}`;
  }

  /** The sign-in a cookie value stands for, when its MAC holds and it has not expired (sign-out is checked by the caller). */
  verifyCookieValue(value: string | undefined, nowMs: number): SignIn | null {
    if (!value) return null;
    const [expiry, id, mac, extra] = value.split('.');
    if (!expiry || !id || !mac || extra !== undefined || !/^\d+$/.test(expiry) || Number(expiry) <= nowMs) return null;
    return timingSafeEqualText(mac, this.mac('session', `${expiry}.${id}`)) ? { id, expiresAt: Number(expiry) } : null;
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

import type { FastifyReply, FastifyRequest } from 'fastify';
import { COOKIE_NAME, DashboardAuth, readCookie } from '../../../dashboard/auth.js';
import type { Html } from '../../../dashboard/html.js';
import type { PageContext } from '../../../dashboard/layout.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import type { TestPlan } from '../../../test-plans/plan.js';
import { mountPath } from '../../urls.js';
import { hashSecret } from '../../../core/ids.js';

/** What every dashboard route needs: the signed-in check, the page context, form bodies. */
export interface DashboardDeps extends IssuerDeps {
  adminToken: string;
  testPlans: readonly TestPlan[];
}

export type FormBody = Record<string, string | string[]>;

export function parseFormBody(raw: string): FormBody {
  const out: FormBody = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export const field = (body: FormBody, name: string): string | undefined => {
  const v = body[name];
  return Array.isArray(v) ? v[0] : v;
};
export const fields = (body: FormBody, name: string): string[] => {
  const v = body[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

export function createDashboardContext(deps: DashboardDeps) {
  const auth = new DashboardAuth(deps.adminToken);
  const base = mountPath(deps.config);
  const cookieOf = (request: FastifyRequest) => readCookie(request.headers.cookie, COOKIE_NAME);
  const signInOf = (request: FastifyRequest) => auth.verifyCookieValue(cookieOf(request), deps.clock.nowMs());
  /** A valid cookie of a sign-in that has not signed out (on any instance). */
  const signedIn = async (request: FastifyRequest) => {
    const signIn = signInOf(request);
    return signIn !== null && !(await deps.store.dashboardSignOuts.has(hashSecret(signIn.id)));
  };
  return {
    auth,
    base,
    cookieOf,
    signedIn,
    /** Ends the request's sign-in everywhere, until its cookie would have expired. */
    signOut: async (request: FastifyRequest) => {
      const signIn = signInOf(request);
      if (signIn) await deps.store.dashboardSignOuts.record(hashSecret(signIn.id), signIn.expiresAt);
    },
    /**
     * The page context of a request: CSRF token only with a valid cookie. Signed-in pages have
     * passed requireSignedIn (sign-out checked); elsewhere a signed-out cookie only gets a
     * token that no form accepts.
     */
    page(request: FastifyRequest): PageContext {
      const cookie = cookieOf(request);
      return signInOf(request) && cookie ? { base, csrf: auth.csrfToken(cookie) } : { base };
    },
    /** onRequest hook of the signed-in area: pages redirect to sign-in, everything else is 401. */
    requireSignedIn: async (request: FastifyRequest, reply: FastifyReply) => {
      if (await signedIn(request)) return;
      if (request.method === 'GET' && !request.url.includes('/stream')) return reply.redirect(`${base}/`, 303);
      return reply.code(401).type('text/plain').send('Sign in first');
    },
    /** preHandler of the signed-in area: every POST carries the CSRF token bound to the cookie. */
    checkCsrf: async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.method !== 'POST') return;
      const body = (request.body ?? {}) as FormBody;
      if (!auth.verifyCsrf(cookieOf(request) ?? '', field(body, 'csrf'))) {
        return reply.code(403).type('text/plain').send('Invalid or missing CSRF token: reload the page and try again');
      }
    },
  };
}

export type DashboardContext = ReturnType<typeof createDashboardContext>;

export function sendPage(reply: FastifyReply, page: Html, status = 200) {
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('content-security-policy', "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
    .send(page.value);
}

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Security headers on every response, as a root onSend hook so that no page of any
 * context can go out without them, whoever wrote it:
 * - all responses: `X-Content-Type-Options: nosniff` (a JSON or PEM download is never sniffed
 *   into HTML) and `Referrer-Policy: no-referrer` (share links and consent URLs carry tokens);
 * - HTML pages: a Content-Security-Policy with `frame-ancestors 'none'` and `X-Frame-Options:
 *   DENY` (clickjacking of the consent or sign-in button). A page that sets its own CSP (a
 *   nonce for its script, inline styles) keeps it, provided it forbids framing; one that does
 *   not gets `frame-ancestors 'none'` added.
 */

/** For an HTML page that did not set a policy: nothing but same-origin styles, scripts and images. */
export const DEFAULT_PAGE_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export function registerSecurityHeaders(app: FastifyInstance): void {
  app.addHook('onSend', async (_request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    reply.header('x-content-type-options', 'nosniff');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      const csp = reply.getHeader('content-security-policy');
      if (csp === undefined) reply.header('content-security-policy', DEFAULT_PAGE_CSP);
      else if (!/frame-ancestors/.test(String(csp))) reply.header('content-security-policy', `${String(csp)}; frame-ancestors 'none'`);
      reply.header('x-frame-options', 'DENY');
    }
    return payload;
  });
}

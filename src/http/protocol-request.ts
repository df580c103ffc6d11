import type { FastifyInstance, FastifyRequest } from 'fastify';
import { mediaTypeOf, parseRequestBody, type ProtocolRequest } from '../protocol/request.js';

/**
 * Reads a Fastify request once into the ProtocolRequest the protocol judges and the session log
 * records. Wallet-facing contexts receive bodies as raw strings (no Fastify parsing or coercion);
 * a body Fastify could not receive (too large, cut off) arrives here as '' and is judged by the
 * wire-error handler.
 */
export function readProtocolRequest(request: FastifyRequest, endpoint: string, id: string): ProtocolRequest {
  const url = request.url;
  const q = url.indexOf('?');
  const contentType = mediaTypeOf(request.headers['content-type']);
  const rawBody = typeof request.body === 'string' ? request.body : '';
  return {
    id,
    endpoint,
    method: request.method,
    path: q === -1 ? url : url.slice(0, q),
    query: q === -1 ? '' : url.slice(q + 1),
    headers: request.headers,
    clientIp: request.ip,
    contentType,
    rawBody,
    body: parseRequestBody(contentType, rawBody),
  };
}

/**
 * Wallet-facing contexts take every body as a raw string (up to the body limit): the protocol
 * parses it itself, by its media type, so nothing is coerced and a wrong content type gets the
 * endpoint's own diagnostic instead of Fastify's 415.
 */
export function acceptRawBodies(app: FastifyInstance, bodyLimit: number): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit }, (_req, body, done) => done(null, body));
}

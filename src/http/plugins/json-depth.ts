import type { FastifyInstance } from 'fastify';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../../core/input-limits.js';

/**
 * JSON bodies of a Fastify-parsed context (admin API) get the same depth limit as the wallet
 * endpoints: Fastify's own parser (with its prototype-poisoning protection) runs only
 * on a text nested at most MAX_JSON_DEPTH deep; deeper is a 400 before zod or the claims code
 * walk it recursively.
 */
export function limitJsonDepth(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (nestedDeeperThan(body as string, MAX_JSON_DEPTH)) {
      const error = Object.assign(new Error(`The JSON body is nested deeper than ${MAX_JSON_DEPTH} levels`), { statusCode: 400 });
      return done(error, undefined);
    }
    return parse(request, body as string, done);
  });
}

import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { mountPath, urlsFor } from '../../urls.js';
import { renderInspectPage } from './template.js';

/** GET /inspect: the inspector page (public: it holds no data; POST /inspect needs the admin token). */
export async function inspectPageRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  app.get('/inspect', async (request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    const html = renderInspectPage({ endpoint: `${mountPath(deps.config)}/inspect`, issuer: urlsFor(deps.config, request).issuer, nonce });
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('content-security-policy', `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'`)
      .header('cache-control', 'no-store')
      .send(html);
  });
}

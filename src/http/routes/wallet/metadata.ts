import type { FastifyInstance } from 'fastify';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { createAuthorizationServerMetadata, createIssuerMetadata } from '../../../protocol/oid4vci/metadata.js';
import { createSignedIssuerMetadata, prefersSignedMetadata } from '../../../protocol/oid4vci/signed-metadata.js';
import { mountPath, routePaths, urlsFor } from '../../urls.js';

/**
 * Metadata at both well-known forms: path insertion (OID4VCI 1.0 §12.2.2, RFC 8414 §3.1) and
 * the appended form older wallets use. Registered on the root instance, since the inserted
 * form lives outside the mount path.
 */
export async function metadataRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  const mount = mountPath(deps.config);
  // METADATA_WELL_KNOWN=inserted|appended serves one form only, to test a wallet's discovery.
  const forms = deps.config.compat.metadataWellKnown;
  const paths = (name: string) => [
    ...new Set([...(forms !== 'appended' ? [`/.well-known/${name}${mount}`] : []), ...(forms !== 'inserted' ? [`${mount}/.well-known/${name}`] : [])]),
  ];
  const json = { 'content-type': 'application/json', 'cache-control': 'no-cache', 'access-control-allow-origin': '*' };

  for (const path of paths('openid-credential-issuer')) {
    app.get(path, async (request, reply) => {
      const metadata = createIssuerMetadata(deps, urlsFor(deps.config, request));
      reply.header('vary', 'accept');
      if (deps.config.signedMetadata && prefersSignedMetadata(request.headers.accept)) {
        const jwt = await createSignedIssuerMetadata(deps, metadata);
        return reply.headers({ ...json, 'content-type': 'application/jwt' }).send(jwt);
      }
      return reply.headers(json).send(JSON.stringify(metadata));
    });
  }
  for (const path of [...paths('oauth-authorization-server'), ...paths('openid-configuration')]) {
    app.get(path, async (request, reply) =>
      reply.headers(json).send(JSON.stringify(createAuthorizationServerMetadata(deps, urlsFor(deps.config, request)))),
    );
  }
  app.get(`${mount}${routePaths.jwks}`, async (_request, reply) => reply.headers(json).send(JSON.stringify(deps.keys.jwks)));
}

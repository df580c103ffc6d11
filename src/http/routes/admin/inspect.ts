import type { FastifyInstance } from 'fastify';
import { nowSeconds } from '../../../core/clock.js';
import { diagnose } from '../../../core/diagnostics.js';
import { inspect, UndetectableKindError, zInspectRequest } from '../../../inspector/inspect.js';
import type { InspectContext } from '../../../inspector/context.js';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { urlsFor } from '../../urls.js';

/**
 * POST /inspect (admin): a pasted proof, DPoP proof, attestation, credential request or
 * credential, judged check by check. Registered in the admin context, so it needs ADMIN_TOKEN.
 * The inspector's policy values are this issuer's (iat skew, max age), so its verdict on a proof
 * is the one the credential endpoint would reach.
 */
export async function inspectRoutes(app: FastifyInstance, deps: IssuerDeps): Promise<void> {
  app.post('/inspect', async (request, reply) => {
    const input = zInspectRequest.parse(request.body ?? {});
    const ctx = inspectContext(deps, { nowSeconds: nowSeconds(deps.clock), ignoreTime: input.ignore_time ?? false, expected: input.expected ?? {} });
    try {
      const result = await inspect(ctx, input);
      return reply.header('cache-control', 'no-store').send({ ...result, issuer: urlsFor(deps.config, request).issuer });
    } catch (error) {
      if (!(error instanceof UndetectableKindError)) throw error;
      const d = diagnose('inspect.kind.undetected', error.message, { path: 'body.value' });
      return reply.code(400).send({ error: 'invalid_request', error_description: d.reason, diagnostic: d });
    }
  });
}

/** This issuer's inspector context: its policy values, configurations and keys (also for the session log's checks). */
export function inspectContext(
  deps: Pick<IssuerDeps, 'config' | 'configurations' | 'keys' | 'verifier'>,
  opts: Pick<InspectContext, 'nowSeconds' | 'ignoreTime' | 'expected'>,
): InspectContext {
  return {
    ...opts,
    proofPolicy: { iatSkewSeconds: deps.config.proof.iatSkewSeconds, maxAgeSeconds: deps.config.proof.maxAgeSeconds, nonceRequired: true },
    configurations: deps.configurations,
    issuerJwks: deps.keys.jwks,
    issuerRootPem: deps.keys.rootCertificatePem,
    strict: deps.config.compat.strictMode,
    verifierTrust: deps.verifier.trust,
  };
}

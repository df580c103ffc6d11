import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import type { TenantHost } from '../../../tenants/tenant-host.js';
import { TenantError } from '../../../tenants/tenant-registry.js';
import { adminAuth } from '../../plugins/admin-auth.js';
import { zCreateTenantRequest } from '../../../schemas/admin.js';

/**
 * Operator API for tenants, on the deployment's own issuer with its ADMIN_TOKEN. A tenant's
 * admin token is shown once, at creation; afterwards only that tenant's admin API accepts it.
 */
export async function tenantRoutes(app: FastifyInstance, deps: AppDeps, host: TenantHost): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));

  app.get('/tenants', async () => ({
    tenants: host.list().map(({ tenant, issuer }) => ({
      tenant_id: tenant.id,
      display_name: tenant.display_name ?? null,
      credential_issuer: issuer.replace(/\/$/, ''),
      created_at: tenant.created_at ?? null,
    })),
  }));

  app.post('/tenants', async (request, reply) => {
    const parsed = zCreateTenantRequest.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({
        error: 'invalid_request',
        error_description: 'The request does not fit the schema',
        problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
      });
    }
    const body = parsed.data;
    try {
      const { tenant, runtime } = await host.create(
        {
          id: body.tenant_id,
          ...(body.display_name !== undefined ? { display_name: body.display_name } : {}),
          ...(body.credential_configurations !== undefined ? { credential_configurations: body.credential_configurations } : {}),
        },
        new Date(deps.clock.nowMs()),
      );
      return reply.code(201).header('cache-control', 'no-store').send({
        tenant_id: tenant.id,
        credential_issuer: runtime.deps.config.publicUrl.href.replace(/\/$/, ''),
        admin_token: runtime.deps.adminToken,
      });
    } catch (err) {
      if (err instanceof TenantError) return reply.code(err.status).send({ error: 'invalid_request', error_description: err.message });
      throw err;
    }
  });

  // Stops the tenant and deletes it with everything it holds: sessions, keys, admin token.
  app.delete('/tenants/:tenantId', async (request, reply) => {
    try {
      await host.remove((request.params as { tenantId: string }).tenantId);
      return reply.code(204).send();
    } catch (err) {
      if (err instanceof TenantError) return reply.code(err.status).send({ error: 'invalid_request', error_description: err.message });
      throw err;
    }
  });
}

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { IssuerDeps } from '../../../protocol/deps.js';
import { changeCredentialStatus, statusListUri } from '../../../protocol/status-list/status.js';
import { STATUS } from '../../../protocol/status-list/status-list.js';
import { adminAuth } from '../../plugins/admin-auth.js';
import { urlsFor } from '../../urls.js';

const zStatusChange = z.strictObject({ status: z.enum(['valid', 'revoked', 'suspended']) });
const names = Object.fromEntries(Object.entries(STATUS).map(([k, v]) => [v, k]));

/** Revoke, suspend or reinstate an issued credential; the change lands in its session's log. */
export async function statusAdminRoutes(app: FastifyInstance, deps: IssuerDeps & { adminToken: string }): Promise<void> {
  app.addHook('onRequest', adminAuth(deps.adminToken));

  app.get('/sessions/:id/credentials', async (request) => {
    const { id } = request.params as { id: string };
    const urls = urlsFor(deps.config, request);
    const [issued, entries] = await Promise.all([deps.store.credentials.listBySession(id), deps.store.statusLists.entriesBySession(id)]);
    const byCredential = new Map(entries.map((e) => [e.credentialId, e]));
    return {
      credentials: issued.map((c) => {
        const e = byCredential.get(c.id);
        return {
          credential_id: c.id,
          credential_configuration_id: c.credentialConfigurationId,
          format: c.format,
          issued_at: new Date(c.issuedAt).toISOString(),
          expires_at: new Date(c.expiresAt).toISOString(),
          status: e ? names[e.status] ?? `0x${e.status.toString(16)}` : null,
          status_list: e ? { idx: e.idx, uri: statusListUri(urls, e.listId) } : null,
        };
      }),
    };
  });

  app.post('/credentials/:credentialId/status', async (request, reply) => {
    const { credentialId } = request.params as { credentialId: string };
    const parsed = zStatusChange.safeParse(request.body ?? {});
    if (!parsed.success) {
      return reply.code(400).send({ error: 'invalid_request', error_description: 'Body must be {"status": "valid" | "revoked" | "suspended"}' });
    }
    const entry = await changeCredentialStatus(deps, credentialId, parsed.data.status, 'credential_status');
    if (!entry) return reply.code(404).send({ error: 'not_found', error_description: `No credential ${credentialId.slice(0, 60)} with a status entry` });
    return { credential_id: credentialId, status: parsed.data.status, status_list: { idx: entry.idx, uri: statusListUri(urlsFor(deps.config, request), entry.listId) } };
  });
}

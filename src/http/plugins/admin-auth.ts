import type { FastifyReply, FastifyRequest } from 'fastify';
import { timingSafeEqualText } from '../../crypto/constant-time.js';

/** Bearer ADMIN_TOKEN on every admin route (registered as the admin context's onRequest hook). */
export function adminAuth(adminToken: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const header = request.headers.authorization ?? '';
    const token = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!token || !timingSafeEqualText(token, adminToken)) {
      await reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="issuance-lab admin"')
        .send({ error: 'unauthorized', error_description: 'Send Authorization: Bearer <ADMIN_TOKEN>' });
    }
  };
}

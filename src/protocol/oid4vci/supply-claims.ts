import { validateClaims } from '../../credential-configurations/claims.js';
import type { SupplyClaimsRequest } from '../../schemas/admin.js';
import { AdminRequestError } from '../admin-error.js';
import type { IssuerDeps, Recorder } from '../deps.js';

export interface SuppliedClaims {
  session_id: string;
  credential_configuration_id: string;
  state: string;
  /** Deferred transactions of this configuration that the wallet can now collect. */
  transactions_ready: number;
  warnings: string[];
}

/**
 * The operator supplies the claims of one configuration of a session (POST
 * /sessions/{id}/claims, CONTRACT.md): checked against the configuration like offer claims,
 * then kept on the session; a deferred wallet's next poll (OID4VCI 1.0 §9) gets the credential.
 */
export async function supplyClaims(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'configurations'>,
  sessionId: string,
  input: SupplyClaimsRequest,
  rec: Recorder,
): Promise<SuppliedClaims> {
  const session = await deps.store.sessions.get(sessionId);
  if (!session) throw new AdminRequestError(404, 'not_found', `No session ${sessionId.slice(0, 60)}`);
  rec.bindSession(session.id);
  const id = input.credential_configuration_id;
  if (!session.credentialConfigurationIds.includes(id)) {
    throw new AdminRequestError(400, 'invalid_request', 'The configuration is not part of this session', [
      `credential_configuration_id: expected one of ${session.credentialConfigurationIds.join(', ')}`,
    ]);
  }
  if (session.state === 'failed' || session.state === 'expired') {
    throw new AdminRequestError(409, 'invalid_request', `The session is ${session.state}; claims can no longer be used`);
  }
  const result = validateClaims(deps.configurations.byId.get(id)!, input.claims);
  if (!result.ok) throw new AdminRequestError(400, 'invalid_request', 'The claims do not fit the credential configuration', result.problems);

  const updated = await deps.store.sessions.supplyClaims(session.id, id, input.claims, deps.clock.nowMs());
  if (!updated) throw new AdminRequestError(404, 'not_found', `No session ${sessionId.slice(0, 60)}`);
  const now = deps.clock.nowMs();
  const ready = (await deps.store.transactions.listBySession(session.id)).filter(
    (t) => t.credentialConfigurationId === id && t.deliveredAt === null && t.expiresAt > now,
  ).length;
  const warnings = result.warnings ?? [];
  rec.event('claims_supplied', { credential_configuration_id: id, claim_names: Object.keys(input.claims), transactions_ready: ready });
  rec.log('info', 'Claims supplied by the operator', {
    credential_configuration_id: id,
    claim_names: Object.keys(input.claims),
    transactions_ready: ready,
    ...(warnings.length ? { warnings } : {}),
  });
  return { session_id: session.id, credential_configuration_id: id, state: updated.state, transactions_ready: ready, warnings };
}

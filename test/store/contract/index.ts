import { changesCases } from './changes.js';
import { grantCases } from './grants.js';
import type { ContractCase } from './harness.js';
import { logAndEventCases } from './logs-events.js';
import { retentionCases } from './retention.js';
import { sessionCases } from './sessions.js';
import { statusListCases } from './status-lists.js';
import { maintenanceCases, sharedStateCases } from './shared-state.js';
import { tokenAndNonceCases } from './tokens-nonces.js';
import { testPlanRunCases } from './test-plan-runs.js';

/**
 * Every case group of the store contract, run on each backend by store-contract.test.ts.
 * A new store area adds its module here (one `ContractCase` per area).
 */
export const contractCases: Record<string, ContractCase> = {
  sessions: sessionCases,
  'pre-authorized grants': grantCases,
  'tokens and nonces': tokenAndNonceCases,
  'logs, events and state changes': logAndEventCases,
  'changes feed and group commit': changesCases,
  retention: retentionCases,
  'shared state': sharedStateCases,
  maintenance: maintenanceCases,
  'status list slots': statusListCases,
  'test plan runs': testPlanRunCases,
};

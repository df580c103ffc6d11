import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-28-initial.js';
import * as statusLists from './2026-11-29-status-lists.js';
import * as rateLimits from './2026-11-29-rate-limits.js';
import * as deferredAndSharing from './2026-11-29-deferred-and-sharing.js';
import * as oauthAuthorizationCode from './2026-11-29-oauth-authorization-code.js';
import * as scaleOut from './2026-11-30-scale-out.js';
import * as draftsAndSelfCheck from './2026-12-01-drafts-and-self-check.js';
import * as notifications from './2026-12-01-notifications.js';
import * as statusSlots from './2026-12-02-status-slots.js';
import * as verifier from './2026-12-07-verifier.js';
import * as grantRevocation from './2026-12-08-grant-revocation.js';
import * as dashboardSignOuts from './2026-12-08-dashboard-sign-outs.js';
import * as testPlanRuns from './2026-12-08-test-plan-runs.js';
import * as credentialsPerToken from './2026-12-08-credentials-per-token.js';

/** Migrations are listed explicitly (no directory scan) so a bundled or tsx run finds them all. */
export const migrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return { '2026-11-28-initial': initial, '2026-11-29-deferred-and-sharing': deferredAndSharing, '2026-11-29-oauth-authorization-code': oauthAuthorizationCode, '2026-11-29-status-lists': statusLists, '2026-11-29-rate-limits': rateLimits, '2026-11-30-scale-out': scaleOut, '2026-12-01-drafts-and-self-check': draftsAndSelfCheck, '2026-12-01-notifications': notifications, '2026-12-02-status-slots': statusSlots, '2026-12-07-verifier': verifier, '2026-12-08-grant-revocation': grantRevocation, '2026-12-08-dashboard-sign-outs': dashboardSignOuts, '2026-12-08-credentials-per-token': credentialsPerToken, '2026-12-08-test-plan-runs': testPlanRuns };
  },
};

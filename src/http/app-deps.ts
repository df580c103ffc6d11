import type { IssuerDeps } from '../protocol/deps.js';
import type { TestPlan } from '../test-plans/plan.js';

/** What the HTTP app is built from (runtime.ts builds it): the protocol's dependencies and the admin token. */
export interface AppDeps extends IssuerDeps {
  adminToken: string;
  /** Wallet test plans: the shipped ones and the operator's (TEST_PLANS_DIR). */
  testPlans: readonly TestPlan[];
}

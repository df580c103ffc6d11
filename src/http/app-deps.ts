import type { IssuerDeps } from '../protocol/deps.js';

/** What the HTTP app is built from (runtime.ts builds it): the protocol's dependencies and the admin token. */
export interface AppDeps extends IssuerDeps {
  adminToken: string;
}

/**
 * Storage contract of wallet test plan runs: which session each case of a run got, the run's
 * wallet link (hash only) and read-only report links. Verdicts are not stored: they are judged
 * from the case sessions on each read. Times are epoch milliseconds.
 */

export interface TestPlanRunCase {
  caseId: string;
  sessionId: string;
  /** The case's transaction code, sealed with the server secret (the grant keeps only its hash). */
  txCodeSealed: string | null;
}

export interface TestPlanRunRecord {
  id: string;
  planId: string;
  planVersion: string;
  /** Hash of the run's wallet link token (the link hands out offers and transaction codes). */
  walletTokenHash: string;
  cases: TestPlanRunCase[];
  createdAt: number;
  /** Gone with its sessions (retention). */
  expiresAt: number;
}

/** A read-only, expiring link to one run's report (no admin login). */
export interface TestPlanRunShareRecord {
  tokenHash: string;
  runId: string;
  createdAt: number;
  expiresAt: number;
}

export interface TestPlanRunStore {
  testPlanRuns: {
    create(run: TestPlanRunRecord): Promise<void>;
    get(id: string): Promise<TestPlanRunRecord | null>;
    getByWalletToken(tokenHash: string): Promise<TestPlanRunRecord | null>;
    /** The newest runs first. */
    listRecent(limit: number): Promise<TestPlanRunRecord[]>;
    createShare(link: TestPlanRunShareRecord): Promise<void>;
    getShare(tokenHash: string): Promise<TestPlanRunShareRecord | null>;
  };
}

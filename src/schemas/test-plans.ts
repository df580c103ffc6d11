import { z } from 'zod';
import { sessionStates } from '../core/session-state.js';

/** Wallet test plans and runs in the admin API (shared/CONTRACT.md "Wallet test plans"). */

export const zStartRunRequest = z.strictObject({});

const zVerdict = z.enum(['pass', 'fail', 'warning', 'not_reached']);

export const zTestPlanList = z.array(
  z.object({
    plan_id: z.string(),
    name: z.string(),
    version: z.string(),
    description: z.string().optional(),
    cases: z.array(z.object({ case_id: z.string(), title: z.string() })),
  }),
);

export const zStartedRun = z.object({
  run_id: z.string(),
  plan_id: z.string(),
  plan_version: z.string(),
  cases: z.array(z.object({ case_id: z.string(), session_id: z.string(), offer_url: z.string(), tx_code: z.string().optional().describe('Returned only here') })),
  run_url: z.string().describe("The run for a wallet (every case's offer and tx_code): a bearer link, returned only here"),
});

export const zRunReport = z.object({
  run_id: z.string(),
  plan_id: z.string(),
  plan_name: z.string(),
  plan_version: z.string(),
  state: z.enum(['running', 'finished']),
  created_at: z.iso.datetime(),
  cases: z.array(
    z.object({
      case_id: z.string(),
      title: z.string(),
      session_id: z.string(),
      session_state: z.enum(sessionStates).nullable(),
      verdict: zVerdict,
      expectations: z.array(
        z.object({
          id: z.string(),
          kind: z.string(),
          verdict: zVerdict,
          requirement: z.string(),
          evidence: z.array(z.string()).describe('Ids of the session log entries the verdict rests on'),
          detail: z.string(),
        }),
      ),
      wallet: z.string().nullable().describe('User-Agent of the wallet in this case (as the compatibility matrix names it); null before its first request'),
      draft: z.enum(['1.0', 'draft 13-15', 'draft 13-14', 'draft 11-12']).nullable().describe('Oldest draft whose request shape the case showed'),
    }),
  ),
  summary: z.object({ pass: z.number().int(), fail: z.number().int(), warning: z.number().int(), not_reached: z.number().int() }),
  wallets: z.array(z.string()).describe('User-Agents seen in the run'),
});

/** Plan results per wallet in GET /compatibility. */
export const zPlanResults = z.array(
  z.object({
    wallet: z.string(),
    draft: z.enum(['1.0', 'draft 13-15', 'draft 13-14', 'draft 11-12']),
    plan_id: z.string(),
    plan_version: z.string(),
    runs: z.number().int(),
    cases: z.object({ pass: z.number().int(), fail: z.number().int(), warning: z.number().int(), not_reached: z.number().int() }),
    last_run_id: z.string(),
    last_run_at: z.iso.datetime(),
  }),
);

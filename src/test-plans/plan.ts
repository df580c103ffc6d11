/**
 * Wallet test plans as data: config/test-plans/*.json (and the operator's own directory,
 * TEST_PLANS_DIR). A plan is a list of cases; a case is an offer template (the body of POST
 * /credential_offers) and the expectations judged from that case's session log and events.
 * Loaded and validated at start; a bad file stops the boot with every problem listed.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../core/config-error.js';
import { zCreateOfferRequest } from '../schemas/admin.js';

/** What an expectation checks; each is a plain function over the case's log and events (judge.ts). */
export const expectationKinds = [
  'credential_issued',
  'nonce_endpoint_used',
  'retries_after_invalid_nonce',
  'tx_code_sent',
  'retries_after_tx_code_failure',
  'dpop_nonce_retry',
  'encrypted_credential_request',
  'deferred_polling_interval',
  'notification_sent',
  'key_attestation_included',
  'wallet_attestation_included',
  'offer_fetched_once',
  'no_draft_shapes',
  'batch_issuance',
  'pushed_authorization_request',
] as const;
export type ExpectationKind = (typeof expectationKinds)[number];

const zId = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and - only (at most 64)');

export const zExpectation = z.strictObject({
  /** Unique within the case; defaults to the kind. */
  id: zId.optional(),
  kind: z.enum(expectationKinds),
  /** The requirement it checks, e.g. "OID4VCI 1.0 §7.2". */
  requirement: z.string().min(3).max(200),
  /** warning: a miss is reported as a warning (a SHOULD, or a draft shape), not a failure. */
  on_miss: z.enum(['fail', 'warning']).default('fail'),
});

export const zPlanCase = z.strictObject({
  case_id: zId,
  title: z.string().min(1).max(200),
  description: z.string().max(2000).optional(),
  offer: zCreateOfferRequest,
  expectations: z.array(zExpectation).min(1),
});

export const zTestPlan = z.strictObject({
  $comment: z.string().optional(),
  plan_id: zId,
  name: z.string().min(1).max(200),
  version: z.string().min(1).max(40),
  description: z.string().max(4000).optional(),
  cases: z.array(zPlanCase).min(1).max(100),
});

export type Expectation = Omit<z.infer<typeof zExpectation>, 'id'> & { id: string };
export type PlanCase = Omit<z.infer<typeof zPlanCase>, 'expectations'> & { expectations: Expectation[] };
export type TestPlan = Omit<z.infer<typeof zTestPlan>, 'cases' | '$comment'> & { cases: PlanCase[]; source: string };

export const defaultTestPlansDir: string = fileURLToPath(new URL('../../config/test-plans/', import.meta.url));

/**
 * Every *.json of the shipped directory, then of the operator's (which may not reuse a shipped
 * plan_id). `knownConfigurations` are the credential configuration ids the offers may name.
 */
export function loadTestPlans(dirs: readonly string[], knownConfigurations: ReadonlySet<string>): TestPlan[] {
  const plans: TestPlan[] = [];
  const problems: string[] = [];
  for (const dir of dirs) {
    let files: string[];
    try {
      files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
    } catch (e) {
      throw new ConfigError(`Test plans (${dir}): ${(e as Error).message}`);
    }
    for (const file of files) {
      const path = join(dir, file);
      let doc: unknown;
      try {
        doc = JSON.parse(readFileSync(path, 'utf8'));
      } catch (e) {
        problems.push(`${path}: ${(e as Error).message}`);
        continue;
      }
      const parsed = zTestPlan.safeParse(doc);
      if (!parsed.success) {
        problems.push(...parsed.error.issues.map((i) => `${path}: ${i.path.join('.') || '(file)'}: ${i.message}`));
        continue;
      }
      const { $comment: _comment, ...plan } = parsed.data;
      const at = (where: string, message: string) => problems.push(`${path}: ${where}: ${message}`);
      if (plans.some((p) => p.plan_id === plan.plan_id)) at('plan_id', `${plan.plan_id} is already defined by another plan file`);
      const caseIds = new Set<string>();
      const cases = plan.cases.map((c, i) => {
        if (caseIds.has(c.case_id)) at(`cases.${i}.case_id`, `duplicate case_id ${c.case_id}`);
        caseIds.add(c.case_id);
        for (const id of c.offer.credential_configuration_ids) {
          if (!knownConfigurations.has(id)) at(`cases.${i}.offer.credential_configuration_ids`, `unknown credential configuration ${id}`);
        }
        const expectationIds = new Set<string>();
        const expectations = c.expectations.map((x, j) => {
          const id = x.id ?? x.kind;
          if (expectationIds.has(id)) at(`cases.${i}.expectations.${j}`, `duplicate expectation id ${id} (give each an id)`);
          expectationIds.add(id);
          return { ...x, id };
        });
        return { ...c, expectations };
      });
      plans.push({ ...plan, cases, source: path });
    }
  }
  if (problems.length) throw new ConfigError(`Test plans:\n  ${problems.join('\n  ')}`);
  return plans;
}

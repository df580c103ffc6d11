import { z } from 'zod';
import { sessionStates } from '../core/session-state.js';
import { zPlanResults } from './test-plans.js';

/**
 * Response shapes of the admin API. The OpenAPI document is generated from these, and the API
 * tests parse real responses with them, so the document cannot drift from what is served.
 */

const zTimestamp = z.iso.datetime();

export const zErrorResponse = z.object({
  error: z.string(),
  error_description: z.string(),
  problems: z.array(z.string()).optional(),
});

export const zSessionSummary = z.object({
  session_id: z.string(),
  offer_id: z.string(),
  state: z.enum(sessionStates),
  grant_type: z.string(),
  credential_configuration_ids: z.array(z.string()),
  created_at: zTimestamp,
  updated_at: zTimestamp,
  offer_expires_at: zTimestamp,
  offer_fetches: z.number().int(),
  credential_offer: z.record(z.string(), z.unknown()).describe('The offer, with the pre-authorized code and issuer_state replaced by hashes'),
  options: z.object({
    by_reference: z.boolean(),
    tx_code: z.record(z.string(), z.unknown()).nullable(),
    deferred: z.boolean(),
    require_dpop: z.boolean().describe('Only DPoP-bound tokens for this offer (RFC 9449)'),
    strict: z.boolean().describe('Draft 11-15 request shapes are refused for this session (also when STRICT_MODE is set globally)'),
    require_dpop_nonce: z.boolean().describe('Fault switch: DPoP proofs need a server nonce'),
    reject_first_nonce: z.boolean().describe('Fault switch: the first credential request is refused with invalid_nonce'),
    tx_code_failure: z.enum(['retry', 'burn', 'reject_first']).describe('Fault switch: what a wrong tx_code does'),
    single_fetch: z.boolean().describe('Fault switch: the credential_offer_uri can be fetched once'),
    require_encryption: z.boolean().describe('Fault switch: credential responses must be encrypted'),
    expires_in: z.number().int().nullable().describe('Fault switch: lifetime in seconds of offer, grant and access tokens (short expiry)'),
    subject_id: z.string().nullable(),
    claims_supplied_for: z.array(z.string()),
  }),
});

export const zLogEntry = z.object({
  id: z.string().describe('Sortable: later entries have larger ids'),
  timestamp: zTimestamp,
  level: z.enum(['debug', 'info', 'warning', 'error']),
  endpoint: z.string(),
  request_id: z.string().nullable(),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable().describe('error/warning entries carry a diagnostic: code, reason, expected, found, help, spec_ref, path'),
});

export const zEventEntry = z.object({
  id: z.string(),
  type: z.string(),
  timestamp: zTimestamp,
  details: z.record(z.string(), z.unknown()).nullable(),
});

export const zIssuedCredential = z.object({
  credential_configuration_id: z.string(),
  format: z.string(),
  holder_key_thumbprint: z.string(),
  key_source: z.string(),
  credential_sha256: z.string(),
  self_check: z
    .object({
      status: z.enum(['pass', 'warn', 'fail']),
      checked_at: zTimestamp,
      checks: z.array(z.object({ check: z.string(), status: z.enum(['pass', 'warn', 'fail', 'skip']), detail: z.string(), spec_ref: z.string() })),
    })
    .nullable()
    .describe('The issuer re-reading the credential it issued (binding key, salts, digests, validity, type); null until written, shortly after issuance'),
  issued_at: zTimestamp,
  expires_at: zTimestamp,
});

export const zDeferredTransaction = z.object({
  credential_configuration_id: z.string(),
  holder_keys: z.array(z.object({ key_source: z.string(), thumbprint: z.string() })),
  created_at: zTimestamp,
  expires_at: zTimestamp,
  delivered_at: zTimestamp.nullable(),
});

const page = { total: z.number().int(), limit: z.number().int(), offset: z.number().int() };

export const zSessionList = z.object({ ...page, sessions: z.array(zSessionSummary) });
export const zLogList = z.object({
  ...page,
  next_offset: z.number().int().optional().describe('Where the next page starts, when entries remain (a page ends at `limit` rows or 1 MiB of entries, whichever comes first)'),
  logs: z.array(zLogEntry),
});
export const zEventList = z.object({ ...page, events: z.array(zEventEntry) });

export const zSessionDetail = zSessionSummary.extend({
  events: z.array(zEventEntry),
  logs: z.array(zLogEntry).describe('Newest first'),
  issued_credentials: z.array(zIssuedCredential),
});

export const zCreatedOffer = z.object({
  session_id: z.string(),
  offer_id: z.string(),
  credential_offer: z.record(z.string(), z.unknown()),
  credential_offer_uri: z.string().optional(),
  offer_url: z.string().describe('openid-credential-offer://?credential_offer_uri=… (or credential_offer= by value)'),
  tx_code: z.string().optional().describe('Returned once, here only: deliver it to the user out of band'),
});

export const zClaimsSupplied = z.object({
  session_id: z.string(),
  credential_configuration_id: z.string(),
  state: z.enum(sessionStates),
  transactions_ready: z.number().int(),
  warnings: z.array(z.string()),
});

export const zShareLink = z.object({ url: z.string(), expires_at: zTimestamp });

export const zTenantList = z.object({
  tenants: z.array(z.object({ tenant_id: z.string(), display_name: z.string().nullable(), credential_issuer: z.string(), created_at: z.string().nullable() })),
});

export const zCreatedTenant = z.object({
  tenant_id: z.string(),
  credential_issuer: z.string(),
  admin_token: z.string().describe("The tenant's admin token: shown in this answer only, never logged"),
});

export const zSessionExport = z.object({
  exported_at: zTimestamp,
  credential_issuer: z.string(),
  session: zSessionSummary,
  events: z.array(zEventEntry),
  logs: z.array(zLogEntry).describe('Oldest first'),
  issued_credentials: z.array(zIssuedCredential),
  deferred_transactions: z.array(zDeferredTransaction),
});

export const zHarExport = z.object({
  log: z.object({
    version: z.literal('1.2'),
    creator: z.object({ name: z.string(), version: z.string() }),
    pages: z.array(z.unknown()),
    entries: z.array(
      z.looseObject({
        startedDateTime: zTimestamp,
        time: z.number(),
        request: z.looseObject({ method: z.string(), url: z.string(), headers: z.array(z.object({ name: z.string(), value: z.string() })) }),
        response: z.looseObject({ status: z.number().int() }),
        comment: z.string().describe('A cURL line replaying the request (secrets stay redacted)'),
      }),
    ),
  }),
});

/** GET /compatibility: wallets (User-Agent, draft spoken) against the protocol steps. */
const zStepCell = z.object({
  passed: z.number().int().describe('Sessions in which the step succeeded at least once'),
  failed: z.number().int().describe('Sessions in which the step was tried and never succeeded'),
  codes: z.record(z.string(), z.number().int()).describe('Diagnostic codes of failures at this step, with the number of sessions'),
});
export const zCompatibilityMatrix = z.object({
  sessions_considered: z.number().int(),
  steps: z.array(z.string()),
  rows: z.array(
    z.object({
      wallet: z.string().describe('User-Agent of the token request (else the most frequent one)'),
      draft: z.enum(['1.0', 'draft 13-15', 'draft 13-14', 'draft 11-12']).describe('Oldest draft whose request shape the sessions showed'),
      sessions: z.number().int(),
      issued: z.number().int().describe('Sessions in which a credential was delivered'),
      steps: z.record(z.string(), zStepCell),
      last_seen: zTimestamp,
      recent_sessions: z.array(z.string()),
    }),
  ),
  plan_results: zPlanResults.describe('Wallet test plan results of the newest runs, per wallet, draft and plan version'),
});

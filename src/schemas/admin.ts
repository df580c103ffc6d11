import { z } from 'zod';
import { sessionStates } from '../core/session-state.js';

/** POST /credential_offers, as the outer contract (shared/CONTRACT.md) defines it. */
export const zTxCodeOption = z.union([
  z.boolean(),
  z.strictObject({
    length: z.number().int().min(4).max(12).optional(),
    input_mode: z.enum(['numeric', 'text']).optional(),
    description: z.string().max(300).optional(),
  }),
]);

export const zCreateOfferRequest = z.strictObject({
  credential_configuration_ids: z.array(z.string().min(1)).min(1),
  grants: z
    .strictObject({
      pre_authorized_code: z.union([z.boolean(), z.strictObject({ tx_code: zTxCodeOption.optional() })]).optional(),
      authorization_code: z.boolean().optional(),
    })
    .optional(),
  claims: z.record(z.string(), z.unknown()).optional(),
  /**
   * Whether the holder may replace the claims at the consent page (authorization code flow):
   * default false for configurations the offer carries claims for, true for the others.
   */
  claims_editable: z.boolean().optional(),
  subject_id: z.string().max(200).optional(),
  require_wallet_attestation: z.boolean().optional(),
  require_key_attestation: z.boolean().optional(),
  deferred: z.boolean().optional(),
  by_reference: z.boolean().optional(),
  /** Only DPoP-bound tokens for this offer (RFC 9449 §5), whatever DPOP_REQUIRED says. */
  require_dpop: z.boolean().optional(),
  // Strict mode and fault injection per offer (docs/faults.md).
  /** Refuse draft 11-15 request shapes for this session, whatever STRICT_MODE says. */
  strict: z.boolean().optional(),
  /** DPoP proofs at token and credential endpoints must carry a server nonce (implies require_dpop). */
  require_dpop_nonce: z.boolean().optional(),
  /** The first credential request is refused with invalid_nonce and its c_nonce used up. */
  reject_first_nonce: z.boolean().optional(),
  /** Wrong tx_code: retry (up to TX_CODE_MAX_ATTEMPTS), burn (the first wrong one burns the code), reject_first (the first one is refused even when right). */
  tx_code_failure: z.enum(['retry', 'burn', 'reject_first']).optional(),
  /** The credential_offer_uri can be fetched once. */
  single_fetch: z.boolean().optional(),
  /** Credential responses must be encrypted for this session (OID4VCI 1.0 §10). */
  require_encryption: z.boolean().optional(),
  /** Seconds the offer, its grant and the session's access tokens live (short expiry). */
  expires_in: z.number().int().min(5).max(86_400).optional(),
});
export type CreateOfferRequest = z.infer<typeof zCreateOfferRequest>;

/** POST /tenants (operator API on the deployment's own issuer). */
export const zCreateTenantRequest = z.strictObject({
  tenant_id: z.string().describe('1-40 lowercase letters, digits and inner hyphens; the tenant is served at PUBLIC_URL/{tenant_id}'),
  display_name: z.string().max(200).optional(),
  credential_configurations: z.string().optional().describe("File name in TENANT_CONFIGURATIONS_DIR; the deployment's configurations when absent"),
});
export type CreateTenantRequest = z.infer<typeof zCreateTenantRequest>;

export const zListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

const LOG_LEVELS = ['debug', 'info', 'warning', 'error'] as const;

/** GET /sessions filters (state, configuration, creation time range) and pagination. */
export const zSessionQuery = zListQuery.extend({
  /** issuance (OID4VCI) or presentation (OpenID4VP) sessions only. */
  kind: z.enum(['issuance', 'presentation']).optional(),
  state: z.enum(sessionStates).optional(),
  credential_configuration_id: z.string().optional(),
  created_after: z.iso.datetime().optional(),
  created_before: z.iso.datetime().optional(),
  /** Only sessions whose log has at least one error entry. */
  with_errors: z.stringbool().optional(),
});

/** GET …/logs: comma-separated levels, pagination, order (newest first by default). */
export const zLogQuery = zListQuery.extend({
  level: z
    .string()
    .regex(new RegExp(`^(${LOG_LEVELS.join('|')})(,(${LOG_LEVELS.join('|')}))*$`))
    .optional(),
  order: z.enum(['asc', 'desc']).optional(),
});

/** POST /sessions/{id}/claims: claims for one configuration of the session (deferred issuance). */
export const zSupplyClaimsRequest = z.strictObject({
  credential_configuration_id: z.string().min(1),
  claims: z.record(z.string(), z.unknown()),
});
export type SupplyClaimsRequest = z.infer<typeof zSupplyClaimsRequest>;

/** POST /sessions/{id}/share: a read-only link that expires (seconds; 1 minute to 30 days). */
export const zShareRequest = z.strictObject({
  expires_in: z.number().int().min(60).max(30 * 86_400).default(86_400),
});

/** GET /test_plan_runs/{id}/export: the report as JSON, or as one self-contained HTML page. */
export const zRunExportQuery = z.object({ format: z.enum(['json', 'html']).default('json') });

/** GET /sessions/{id}/export: one JSON document, or HAR 1.2 for a bug report. */
export const zExportQuery = z.object({ format: z.enum(['json', 'har']).default('json') });

/** GET /sessions/{id}/stream: resume after the last entry id seen (also the Last-Event-ID header). */
export const zStreamQuery = z.object({ after: z.string().max(64).optional() });

/** GET /compatibility: how many of the newest sessions the wallet compatibility matrix reads. */
export const zCompatibilityQuery = z.object({ limit: z.coerce.number().int().min(1).max(2000).default(200) });

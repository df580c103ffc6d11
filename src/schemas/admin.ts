import { z } from 'zod';

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
  subject_id: z.string().max(200).optional(),
  require_wallet_attestation: z.boolean().optional(),
  require_key_attestation: z.boolean().optional(),
  deferred: z.boolean().optional(),
  by_reference: z.boolean().optional(),
});
export type CreateOfferRequest = z.infer<typeof zCreateOfferRequest>;

export const zListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});

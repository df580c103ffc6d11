import { z } from 'zod';

/**
 * Credential configurations are data (config/credential-configurations.json). This schema is
 * the contract of that file: the published part (OID4VCI 1.0 §12.2.4) and the issuer-internal
 * `issuance` block (sample claims, value encodings, validity) that is never published.
 */

const zDisplay = z.looseObject({
  name: z.string(),
  locale: z.string().optional(),
  description: z.string().optional(),
  logo: z.looseObject({ uri: z.string(), alt_text: z.string().optional() }).optional(),
  background_color: z.string().optional(),
  text_color: z.string().optional(),
});

/** Claims path pointer, OID4VCI 1.0 Appendix C. */
export const zClaimsPath = z.array(z.union([z.string(), z.number().int().nonnegative(), z.null()])).min(1);
export type ClaimsPath = z.infer<typeof zClaimsPath>;

const zClaimDescription = z.looseObject({
  path: zClaimsPath,
  mandatory: z.boolean().optional(),
  display: z.array(z.looseObject({ name: z.string(), locale: z.string().optional() })).optional(),
});

/**
 * How a JSON value becomes the CBOR type its data model requires (mdoc):
 * full-date = tag 1004 "YYYY-MM-DD" (RFC 8943), tdate = tag 0 RFC 3339 date-time,
 * bytes = bstr from base64 / base64url text, uint = unsigned integer.
 */
export const zValueEncoding = z.enum(['full-date', 'tdate', 'bytes', 'uint']);
export type ValueEncoding = z.infer<typeof zValueEncoding>;

const zIssuance = z.strictObject({
  /** Technical validity of issued credentials. */
  validity_days: z.number().int().positive().default(365),
  /** The test persona used when an offer carries no claims. */
  sample_claims: z.record(z.string(), z.unknown()),
  /** mdoc only: value encodings by claims path (namespace, element, ...; null = every array item). */
  encodings: z.array(z.strictObject({ path: zClaimsPath, type: zValueEncoding })).default([]),
  /**
   * SD-JWT only: top-level claim names that are NOT selectively disclosable. All other
   * claims are (nested object members recursively, array items individually).
   */
  always_disclosed: z.array(z.string()).default([]),
});
export type IssuanceSettings = z.infer<typeof zIssuance>;

const zProofTypes = z.record(
  z.string(),
  z.looseObject({
    proof_signing_alg_values_supported: z.array(z.string()).min(1),
    key_attestations_required: z.looseObject({}).optional(),
  }),
);

const zBase = {
  scope: z.string().optional(),
  cryptographic_binding_methods_supported: z.array(z.string()).optional(),
  proof_types_supported: zProofTypes.optional(),
  credential_metadata: z
    .looseObject({ display: z.array(zDisplay).optional(), claims: z.array(zClaimDescription).optional() })
    .optional(),
  issuance: zIssuance,
};

const zMdoc = z.looseObject({
  format: z.literal('mso_mdoc'),
  doctype: z.string().min(1),
  credential_signing_alg_values_supported: z.array(z.number().int()).optional(),
  ...zBase,
});
const zSdJwt = z.looseObject({
  format: z.literal('dc+sd-jwt'),
  vct: z.string().min(1),
  credential_signing_alg_values_supported: z.array(z.string()).optional(),
  ...zBase,
});
const zJwtVc = z.looseObject({
  format: z.literal('jwt_vc_json'),
  credential_definition: z.looseObject({ type: z.array(z.string()).min(1) }),
  credential_signing_alg_values_supported: z.array(z.string()).optional(),
  ...zBase,
});

export const zCredentialConfiguration = z.discriminatedUnion('format', [zMdoc, zSdJwt, zJwtVc]);
export type CredentialConfigurationInput = z.infer<typeof zCredentialConfiguration>;

/** An alias publishes an existing configuration under another id (e.g. the EU reference issuer's name). */
const zAlias = z.strictObject({ alias_of: z.string(), scope: z.string().optional() });

export const zCredentialConfigurationsFile = z.strictObject({
  $comment: z.string().optional(),
  credential_configurations: z.record(z.string(), z.union([zAlias, zCredentialConfiguration])),
});

export type MdocConfiguration = z.infer<typeof zMdoc> & { id: string };
export type SdJwtConfiguration = z.infer<typeof zSdJwt> & { id: string };
export type JwtVcConfiguration = z.infer<typeof zJwtVc> & { id: string };
export type CredentialConfiguration = MdocConfiguration | SdJwtConfiguration | JwtVcConfiguration;
export type CredentialFormat = CredentialConfiguration['format'];

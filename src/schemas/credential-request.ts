import { z } from 'zod';

/**
 * Credential Request, OID4VCI 1.0 §8.2. Loose objects: unknown members must be ignored, and
 * extensions survive for the session log. Legacy (draft) members are declared so they can be
 * recognised and diagnosed, never silently translated.
 */
export const zCredentialRequest = z.looseObject({
  credential_identifier: z.string().min(1).optional(),
  credential_configuration_id: z.string().min(1).optional(),
  proofs: z.record(z.string(), z.array(z.unknown())).optional(),
  credential_response_encryption: z.unknown().optional(),
  /** Drafts ≤ 15: a single proof object. */
  proof: z.unknown().optional(),
  /** Drafts ≤ 14: format-based requests. */
  format: z.string().optional(),
});
export type CredentialRequest = z.infer<typeof zCredentialRequest>;

/** Maps a zod issue path to the request path used in diagnostics, e.g. body.proofs.jwt[0]. */
export function issuePath(base: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, key) => (typeof key === 'number' ? `${acc}[${key}]` : `${acc}.${String(key)}`), base);
}

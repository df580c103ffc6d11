import { z } from 'zod';

/** POST /presentation_requests, as the outer contract (shared/CONTRACT.md, Verifier) defines it. */
export const zCreatePresentationRequest = z
  .strictObject({
    preset: z.string().min(1).max(100).optional(),
    dcql_query: z.record(z.string(), z.unknown()).optional(),
    response_mode: z.enum(['direct_post', 'direct_post.jwt']).default('direct_post.jwt'),
    client_id_prefix: z.enum(['x509_san_dns', 'x509_hash', 'redirect_uri']).default('x509_san_dns'),
    /** Ask the wallet to POST its metadata to the request_uri (OpenID4VP 1.0 §5.10); GET stays served. */
    request_uri_method: z.enum(['get', 'post']).optional(),
    strict: z.boolean().optional(),
    /** Seconds; short values test a wallet against an expired request. */
    expires_in: z.number().int().min(1).max(86_400).optional(),
    faults: z
      .strictObject({
        unsigned_request: z.boolean().optional(),
        reject_first_response: z.boolean().optional(),
        single_fetch: z.boolean().optional(),
      })
      .optional(),
  })
  .refine((v) => (v.preset === undefined) !== (v.dcql_query === undefined), { message: 'give exactly one of preset and dcql_query' });

export type CreatePresentationRequest = z.infer<typeof zCreatePresentationRequest>;

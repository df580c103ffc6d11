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
    /**
     * Ask in the shape of an older draft (not in strict mode; dc+sd-jwt only): presentation_definition
     * (drafts 22-25), or also a bare client_id with client_id_scheme (drafts 19-21).
     */
    draft_request: z.enum(['presentation_definition', 'client_id_scheme']).optional(),
    /** Seconds; short values test a wallet against an expired request. */
    expires_in: z.number().int().min(1).max(86_400).optional(),
    faults: z
      .strictObject({
        unsigned_request: z.boolean().optional(),
        reject_first_response: z.boolean().optional(),
        single_fetch: z.boolean().optional(),
        /** direct_post.jwt, and an error response in clear is refused too (1.0 lets a wallet that cannot encrypt send one). */
        require_encrypted_response: z.boolean().optional(),
      })
      .optional(),
  })
  .refine((v) => (v.preset === undefined) !== (v.dcql_query === undefined), { message: 'give exactly one of preset and dcql_query' });

export type CreatePresentationRequest = z.infer<typeof zCreatePresentationRequest>;

/** GET /presentation_presets: what a preset looks like on the wire. */
export const zPresentationPresetList = z.array(
  z.object({ id: z.string(), name: z.string(), description: z.string().optional(), format: z.string().describe('dc+sd-jwt, mso_mdoc, or any'), dcql_query: z.record(z.string(), z.unknown()) }),
);

/** 201 of POST /presentation_requests (shared/CONTRACT.md, Verifier). */
export const zCreatedPresentationRequest = z.object({
  session_id: z.string(),
  request_id: z.string(),
  client_id: z.string().describe('The full client identifier, prefix included (OpenID4VP 1.0 §5.9); without it for draft_request client_id_scheme'),
  client_id_scheme: z.string().optional().describe('Only for draft_request client_id_scheme (drafts 19-21): the prefix, sent as its own parameter'),
  response_mode: z.enum(['direct_post', 'direct_post.jwt']),
  request_uri: z.string().describe('Where the wallet fetches the signed request object (GET, or POST with wallet_metadata)'),
  request_url: z.string().describe('openid4vp://?client_id=…&request_uri=… (what the QR code holds)'),
  expires_at: z.string(),
});

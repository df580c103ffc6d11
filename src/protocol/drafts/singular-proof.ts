/**
 * Drafts 13–15 (§7.2 / §8.2 there): `proof: {proof_type, <type>: value}`, one proof object.
 * 1.0 (§8.2) replaced it with `proofs: {<type>: [values]}`. Lenient mode reads it as proofs with
 * one element; strict mode refuses it (credential.proof.legacy_singular).
 */
import { z } from 'zod';
import { diagnose, fail, truncate } from '../../core/diagnostics.js';
import { issuePath, type CredentialRequest } from '../../schemas/credential-request.js';
import type { Recorder } from '../deps.js';
import type { StrictMode, WireDraft } from './wire-draft.js';

export const zLegacySingularProof = z.looseObject({
  proof_type: z.string().min(1).max(40),
});

export function readSingularProof(request: CredentialRequest, strict: StrictMode, rec: Recorder): { request: CredentialRequest; draft: WireDraft | null } {
  // With proofs present, proof is an unknown member, ignored as §8.2 says.
  if (request.proof === undefined || request.proofs !== undefined) return { request, draft: null };
  if (strict.on) {
    fail('credential.proof.legacy_singular', `The request uses the singular proof member of drafts 13 to 15 (refused: ${strict.source})`, { path: 'body.proof' });
  }
  const parsed = zLegacySingularProof.safeParse(request.proof);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issuePath('body.proof', issue.path);
    fail('credential.request.malformed', `${path}: ${issue.message} (a draft 13-15 proof object is {"proof_type": "jwt", "jwt": "..."})`, { path });
  }
  const type = parsed.data.proof_type;
  const value = parsed.data[type];
  if (value === undefined) {
    fail('credential.request.malformed', `body.proof has proof_type ${truncate(type, 40)} but no ${truncate(type, 40)} member`, { path: `body.proof.${type}`, found: Object.keys(parsed.data) });
  }
  rec.diagnostic(
    diagnose('draft.proof.singular', `The request uses the singular proof of drafts 13 to 15 (proof_type ${truncate(type, 40)}); served as proofs.${truncate(type, 40)} with one element, so later diagnostics name body.proofs.${truncate(type, 40)}[0]`, {
      path: 'body.proof',
      found: { proof_type: type },
    }),
  );
  const { proof: _singular, ...rest } = request;
  return { request: { ...rest, proofs: { [type]: [value] } }, draft: 'd15' };
}

/**
 * Drafts 13–14 (§7.2 and App. A there): the credential is named by `format` plus its type
 * parameter — `vct` (vc+sd-jwt), `doctype` (mso_mdoc), `credential_definition.type`
 * (jwt_vc_json) — instead of `credential_configuration_id` / `credential_identifier` (1.0
 * §8.2; removed in draft 15). Lenient mode matches it to a configuration the access token
 * covers; strict mode refuses it (credential.request.legacy_format). `vc+sd-jwt` is the
 * identifier of `dc+sd-jwt` up to draft 14 (1.0 App. A.3).
 */
import { z } from 'zod';
import { diagnose, fail, truncate } from '../../core/diagnostics.js';
import type { CredentialConfiguration } from '../../credential-configurations/schema.js';
import { issuePath, type CredentialRequest } from '../../schemas/credential-request.js';
import type { AccessTokenRecord } from '../../store/store.js';
import type { IssuerDeps, Recorder } from '../deps.js';
import type { StrictMode, WireDraft } from './wire-draft.js';

export const zLegacyFormatRequest = z.looseObject({
  format: z.string().min(1).max(60),
  vct: z.string().min(1).optional(),
  doctype: z.string().min(1).optional(),
  credential_definition: z.looseObject({ type: z.array(z.string()).min(1).optional() }).optional(),
});
type LegacyFormatRequest = z.infer<typeof zLegacyFormatRequest>;

type Typed = CredentialConfiguration & { vct?: string; doctype?: string; credential_definition?: { type?: string[] } };

export function readFormatRequest(
  deps: Pick<IssuerDeps, 'configurations'>,
  token: AccessTokenRecord,
  request: CredentialRequest,
  strict: StrictMode,
  rec: Recorder,
): { request: CredentialRequest; draft: WireDraft | null } {
  if (request.credential_identifier !== undefined || request.credential_configuration_id !== undefined || request.format === undefined) {
    return { request, draft: null };
  }
  if (strict.on) {
    fail('credential.request.legacy_format', `The request names the credential by format ${truncate(request.format, 30)} (drafts 13-14) instead of credential_configuration_id (refused: ${strict.source})`, {
      path: 'body.format',
      found: pick(request),
    });
  }
  const parsed = zLegacyFormatRequest.safeParse(request);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail('credential.request.malformed', `${issuePath('body', issue.path)}: ${issue.message}`, { path: issuePath('body', issue.path) });
  }
  const legacy = parsed.data;
  let format = legacy.format;
  if (format === 'vc+sd-jwt') {
    rec.diagnostic(diagnose('draft.format.vc_sd_jwt', 'format vc+sd-jwt (SD-JWT VC identifier up to draft 14) was read as dc+sd-jwt', { path: 'body.format', found: 'vc+sd-jwt' }));
    format = 'dc+sd-jwt';
  }
  const matches = (c: CredentialConfiguration | undefined) => !!c && c.format === format && typeMatches(c as Typed, legacy);
  const granted = token.authorizationDetails.find((d) => matches(deps.configurations.byId.get(d.credential_configuration_id)));
  if (!granted) {
    const known = deps.configurations.ids.filter((id) => matches(deps.configurations.byId.get(id)));
    if (known.length === 0) {
      fail('credential.configuration.unknown', `No credential configuration has format ${truncate(legacy.format, 30)} with ${describeType(legacy)}`, {
        path: 'body.format',
        found: pick(request),
        expected: `one of: ${deps.configurations.ids.map((id) => describeConfiguration(deps.configurations.byId.get(id) as Typed)).join('; ')}`,
      });
    }
    fail('credential.configuration.not_granted', `format ${truncate(legacy.format, 30)} with ${describeType(legacy)} matches ${known.join(', ')}, which the access token does not cover`, {
      path: 'body.format',
      expected: `one of ${token.authorizationDetails.map((d) => d.credential_configuration_id).join(', ')}`,
      headers: { 'www-authenticate': 'Bearer error="insufficient_scope"' },
    });
  }
  const id = granted.credential_configuration_id;
  // §8.2: credential_identifier when the token response carried authorization_details.
  const named = token.detailsReturned && granted.credential_identifiers[0] ? { credential_identifier: granted.credential_identifiers[0] } : { credential_configuration_id: id };
  rec.diagnostic(
    diagnose('draft.request.format', `The request names the credential by format ${truncate(legacy.format, 30)} with ${describeType(legacy)} (drafts 13-14); served as ${Object.keys(named)[0]} ${'credential_identifier' in named ? named.credential_identifier : id} (configuration ${id})`, {
      path: 'body.format',
      found: pick(request),
      expected: `credential_configuration_id ${id}`,
    }),
  );
  return { request: { ...request, ...named }, draft: 'd14' };
}

/** A missing type parameter matches any configuration of the format (drafts required it; be lenient). */
function typeMatches(c: Typed, r: LegacyFormatRequest): boolean {
  if (c.format === 'dc+sd-jwt') return r.vct === undefined || r.vct === c.vct;
  if (c.format === 'mso_mdoc') return r.doctype === undefined || r.doctype === c.doctype;
  if (c.format === 'jwt_vc_json') {
    const wanted = r.credential_definition?.type;
    const own = c.credential_definition?.type ?? [];
    return wanted === undefined || (wanted.length === own.length && wanted.every((t) => own.includes(t)));
  }
  return false;
}

function describeType(r: LegacyFormatRequest): string {
  if (r.vct !== undefined) return `vct ${truncate(r.vct, 60)}`;
  if (r.doctype !== undefined) return `doctype ${truncate(r.doctype, 60)}`;
  if (r.credential_definition?.type) return `credential_definition.type ${truncate(r.credential_definition.type, 80)}`;
  return 'no type parameter';
}

function describeConfiguration(c: Typed): string {
  const type = c.vct ? `vct ${c.vct}` : c.doctype ? `doctype ${c.doctype}` : `credential_definition.type ${JSON.stringify(c.credential_definition?.type ?? [])}`;
  return `${c.format} with ${type}`;
}

function pick(request: CredentialRequest): Record<string, unknown> {
  const { format, vct, doctype, credential_definition } = request as Record<string, unknown>;
  return { format, vct, doctype, credential_definition };
}

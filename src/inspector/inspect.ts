/**
 * The inspector: one pasted artefact in, every check out (pass / fail / warn / skip, with the
 * catalogue code and spec reference), plus decoded structures and resolved keys. Pure: time and
 * the issuer's keys come in through the context.
 */
import { z } from 'zod';
import { decodeJwt, looksLikeJwt } from '../formats/decode/jwt.js';
import { looksLikeSdJwt } from '../formats/decode/sd-jwt-vc.js';
import { verdictOf, type InspectorCheck, type ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';
import { inspectKeyAttestation, inspectWalletAttestation } from './attestations.js';
import { inspectCredential } from './credential.js';
import { inspectCredentialRequest } from './credential-request.js';
import { inspectDpop } from './dpop.js';
import { inspectProof } from './proof.js';
import { inspectDeviceResponse, inspectKbJwt, inspectVpToken, looksLikeDeviceResponse } from './presentation.js';

/** {"<credential query id>": [presentation, …]}: the OpenID4VP 1.0 vp_token (§8.1). */
function isVpTokenObject(value: unknown): boolean {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return false;
  const entries = Object.values(value);
  return entries.length > 0 && entries.every((v) => Array.isArray(v) && v.length > 0 && v.every((p) => typeof p === 'string'));
}

export const inspectKinds = ['proof', 'dpop', 'wallet_attestation', 'key_attestation', 'credential_request', 'credential', 'vp_token', 'kb_jwt', 'device_response'] as const;
export type InspectKind = (typeof inspectKinds)[number];

export const zInspectRequest = z.object({
  kind: z.enum(inspectKinds).optional(),
  value: z.union([z.string().min(1).max(200_000), z.record(z.string(), z.unknown())]),
  expected: z
    .object({ aud: z.string().optional(), nonce: z.string().optional(), htm: z.string().optional(), htu: z.string().optional(), response_uri: z.string().optional(), jwk_thumbprint: z.string().optional() })
    .optional(),
  ignore_time: z.boolean().optional(),
});
export type InspectRequest = z.infer<typeof zInspectRequest>;

export interface InspectResult {
  kind: InspectKind;
  /** How the kind was chosen: given, or detected from typ / shape. */
  kind_source: 'given' | string;
  verdict: 'valid' | 'valid_with_warnings' | 'invalid';
  summary: { pass: number; fail: number; warn: number; skip: number };
  checks: InspectorCheck[];
  decoded: unknown;
  keys: ResolvedKeyView[];
}

const TYP_KINDS: Record<string, InspectKind> = {
  'openid4vci-proof+jwt': 'proof',
  'dpop+jwt': 'dpop',
  'oauth-client-attestation+jwt': 'wallet_attestation',
  'key-attestation+jwt': 'key_attestation',
  'keyattestation+jwt': 'key_attestation',
  'dc+sd-jwt': 'credential',
  'vc+sd-jwt': 'credential',
  'kb+jwt': 'kb_jwt',
};

/** Kind from the shape: JSON object → request; JWT typ; `~` → SD-JWT; else an mdoc. */
export function detectKind(value: string | Record<string, unknown>): { kind: InspectKind; reason: string } | undefined {
  if (typeof value !== 'string') return isVpTokenObject(value) ? { kind: 'vp_token', reason: 'an object of presentation arrays' } : { kind: 'credential_request', reason: 'a JSON object' };
  const text = value.trim();
  if (text.startsWith('{')) {
    try {
      if (isVpTokenObject(JSON.parse(text))) return { kind: 'vp_token', reason: 'JSON object of presentation arrays' };
    } catch {
      // not JSON: the credential request inspection says so
    }
    return { kind: 'credential_request', reason: 'JSON object text' };
  }
  if (looksLikeSdJwt(text)) {
    const first = text.split('~')[0];
    const typ = looksLikeJwt(first) ? decodeJwt(first).header.typ : undefined;
    if (typ === 'oauth-client-attestation+jwt') return { kind: 'wallet_attestation', reason: 'attestation~pop' };
    // An issued credential ends with ~; one followed by a KB-JWT is a presentation.
    return looksLikeJwt(text.slice(text.lastIndexOf('~') + 1)) ? { kind: 'vp_token', reason: 'SD-JWT with a KB-JWT (a presentation)' } : { kind: 'credential', reason: 'SD-JWT (~-separated)' };
  }
  if (looksLikeJwt(text)) {
    const { header, payload } = decodeJwt(text);
    const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
    if (typ && TYP_KINDS[typ]) return { kind: TYP_KINDS[typ], reason: `typ ${typ}` };
    if (payload.htm !== undefined && payload.htu !== undefined) return { kind: 'dpop', reason: 'htm and htu claims' };
    if (payload.vc !== undefined) return { kind: 'credential', reason: 'vc claim' };
    if (payload.attested_keys !== undefined) return { kind: 'key_attestation', reason: 'attested_keys claim' };
    if (payload.cnf !== undefined && payload.sub !== undefined && payload.vct === undefined) return { kind: 'wallet_attestation', reason: 'cnf and sub claims' };
    if (payload.aud !== undefined && payload.iat !== undefined) return { kind: 'proof', reason: 'aud and iat claims' };
    return undefined;
  }
  if (looksLikeDeviceResponse(text)) return { kind: 'device_response', reason: 'base64url CBOR with documents (DeviceResponse)' };
  if (/^[A-Za-z0-9_-]{20,}$/.test(text)) return { kind: 'credential', reason: 'base64url (mso_mdoc)' };
  return undefined;
}

export class UndetectableKindError extends Error {}

export async function inspect(ctx: InspectContext, input: InspectRequest): Promise<InspectResult> {
  let kind = input.kind;
  let kindSource = 'given';
  if (!kind) {
    const detected = detectKind(input.value);
    if (!detected) throw new UndetectableKindError('the kind could not be detected from the value; set kind');
    kind = detected.kind;
    kindSource = `detected: ${detected.reason}`;
  }
  const text = typeof input.value === 'string' ? input.value.trim() : JSON.stringify(input.value);
  const result = kind === 'proof' ? await inspectProof(ctx, text)
    : kind === 'dpop' ? inspectDpop(ctx, text)
      : kind === 'wallet_attestation' ? inspectWalletAttestation(ctx, text)
        : kind === 'key_attestation' ? inspectKeyAttestation(ctx, text)
          : kind === 'credential_request' ? await inspectCredentialRequest(ctx, input.value)
            : kind === 'vp_token' ? await inspectVpToken(ctx, input.value)
              : kind === 'kb_jwt' ? inspectKbJwt(ctx, text)
                : kind === 'device_response' ? await inspectDeviceResponse(ctx, text)
                  : inspectCredential(ctx, text);
  const checks = result.checks.checks;
  const count = (s: string) => checks.filter((c) => c.status === s).length;
  return {
    kind,
    kind_source: kindSource,
    verdict: verdictOf(checks),
    summary: { pass: count('pass'), fail: count('fail'), warn: count('warn'), skip: count('skip') },
    checks,
    decoded: 'decoded' in result ? result.decoded : undefined,
    keys: result.keys,
  };
}

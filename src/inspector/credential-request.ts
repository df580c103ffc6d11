/**
 * Inspection of a Credential Request body (OID4VCI 1.0 §8.2): identifiers, the `proofs` shape,
 * each jwt proof (as in proof.ts), batch rules, response encryption parameters. Draft shapes are
 * named with the draft and the 1.0 member that replaced them.
 */
import { parseJsonLimited } from '../core/input-limits.js';
import { truncate } from '../core/diagnostics.js';
import { CheckList, type ResolvedKeyView } from './checks.js';
import type { InspectContext } from './context.js';
import { inspectProof } from './proof.js';

const S82 = 'OID4VCI 1.0 §8.2';

export async function inspectCredentialRequest(ctx: InspectContext, value: unknown) {
  const list = new CheckList('credential_request.');
  const keys: ResolvedKeyView[] = [];
  let body = value;
  if (typeof value === 'string') {
    try {
      body = parseJsonLimited(value);
    } catch {
      list.fail('json', S82, 'the body is not JSON (or nested deeper than 32 levels)', { code: 'request.body.malformed_json' });
      return { checks: list, keys };
    }
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    list.fail('json', S82, 'the body is not a JSON object', { code: 'credential.request.malformed' });
    return { checks: list, keys };
  }
  const req = body as Record<string, unknown>;
  list.pass('json', S82, `a JSON object with members ${Object.keys(req).join(', ') || '(none)'}`);

  const hasId = req.credential_identifier !== undefined;
  const hasConfig = req.credential_configuration_id !== undefined;
  if (hasId && hasConfig) list.fail('identifier', S82, 'both credential_identifier and credential_configuration_id: send exactly one', { code: 'credential.request.both_identifiers' });
  else if (!hasId && !hasConfig) {
    // The issuer serves the draft 13/14 shape in lenient mode and refuses it in strict mode; so does the verdict.
    if (req.format === undefined) list.fail('identifier', S82, 'neither credential_identifier nor credential_configuration_id', { code: 'credential.request.no_identifier' });
    else {
      const detail = `format ${JSON.stringify(truncate(req.format, 30))} without an identifier is the draft 13/14 request shape (OID4VCI 1.0 §8.2 removed format, vct, doctype, credential_definition from the request)`;
      if (ctx.strict) list.fail('identifier', S82, `${detail}; refused in strict mode`, { code: 'credential.request.legacy_format' });
      else list.warn('identifier', S82, `${detail}; this issuer serves it (lenient mode) by matching a configuration`, { code: 'draft.request.format' });
    }
  } else list.pass('identifier', S82, hasId ? `credential_identifier ${truncate(req.credential_identifier, 60)}` : `credential_configuration_id ${truncate(req.credential_configuration_id, 60)}`);
  if (hasId || hasConfig) {
    if (req.format !== undefined) list.warn('legacy_format', S82, 'format is a draft ≤ 14 member; 1.0 ignores it next to an identifier');
  }

  let allowedAlgs: string[] | undefined;
  let bindingMethods: string[] | undefined;
  if (hasConfig && typeof req.credential_configuration_id === 'string' && ctx.configurations) {
    const configuration = ctx.configurations.byId.get(req.credential_configuration_id);
    if (!list.expect(!!configuration, 'configuration', 'OID4VCI 1.0 §8.3.1.2', {
      pass: `${req.credential_configuration_id} is a configuration of this issuer`,
      fail: `${truncate(req.credential_configuration_id, 60)} is not in credential_configurations_supported of this issuer`,
    }, { code: 'credential.configuration.unknown' })) { /* nothing to narrow proofs with */ } else {
      allowedAlgs = configuration!.proof_types_supported?.jwt?.proof_signing_alg_values_supported;
      bindingMethods = configuration!.cryptographic_binding_methods_supported;
    }
  }

  const singular = req.proof as Record<string, unknown> | undefined;
  if (singular !== undefined && req.proofs === undefined) {
    const detail = 'proof (singular) is the draft ≤ 15 shape; 1.0 uses proofs: {"jwt": ["..."]}';
    if (ctx.strict) list.fail('proof', S82, `${detail}; refused in strict mode`, { code: 'credential.proof.legacy_singular' });
    else list.warn('proof', S82, `${detail}; this issuer serves it (lenient mode) as proofs with one element`, { code: 'draft.proof.singular' });
  }
  // A served singular proof is checked like proofs.jwt[0].
  const proofs = req.proofs ?? (ctx.strict || typeof singular?.proof_type !== 'string' ? undefined : { [singular.proof_type]: [singular[singular.proof_type]] });
  if (proofs === undefined) {
    if (req.proof === undefined) list.warn('proofs', S82, 'no proofs: required whenever the configuration has proof_types_supported', { code: 'credential.proofs.missing' });
  } else if (typeof proofs !== 'object' || proofs === null || Array.isArray(proofs) || Object.keys(proofs).length !== 1) {
    list.fail('proofs', S82, 'proofs must be an object with exactly one proof type key', { code: 'credential.proofs.shape' });
  } else {
    const [type, entries] = Object.entries(proofs)[0];
    if (!Array.isArray(entries) || entries.length === 0) list.fail('proofs', S82, `proofs.${type} must be a non-empty array`, { code: 'credential.proofs.shape' });
    else if (type !== 'jwt') list.warn('proofs', S82, `proof type ${truncate(type, 30)} is not inspected (jwt only)`, { code: 'credential.proofs.type_unsupported' });
    else {
      list.pass('proofs', S82, `proofs.jwt holds ${entries.length} proof(s)`);
      const nonces = new Set<unknown>();
      const thumbprints = new Map<string, number>();
      for (const [i, jwt] of entries.entries()) {
        const inspected = await inspectProof(ctx, jwt as string, { allowedAlgs, bindingMethods, path: `body.proofs.jwt[${i}]`, prefix: `credential_request.proofs.jwt[${i}].` });
        list.merge(inspected.checks);
        keys.push(...inspected.keys);
        nonces.add(inspected.nonce);
        if (inspected.thumbprint) {
          if (thumbprints.has(inspected.thumbprint)) list.fail('duplicate_key', 'OID4VCI 1.0 §8.3', `proofs.jwt[${i}] uses the key of proofs.jwt[${thumbprints.get(inspected.thumbprint)}]: one key per credential`, { code: 'proof.jwt.duplicate_key' });
          thumbprints.set(inspected.thumbprint, i);
        }
      }
      if (entries.length > 1) list.expect(nonces.size === 1, 'same_nonce', S82, { pass: 'every proof carries the same nonce', fail: 'the proofs carry different nonces' }, { code: 'proof.jwt.nonce_mismatch_in_batch' });
    }
  }

  const enc = req.credential_response_encryption as Record<string, unknown> | undefined;
  if (enc !== undefined) {
    const jwk = enc?.jwk as Record<string, unknown> | undefined;
    list.expect(typeof enc === 'object' && !!jwk && typeof jwk.alg === 'string' && typeof enc.enc === 'string', 'credential_response_encryption', 'OID4VCI 1.0 §8.2', {
      pass: `response encryption requested: alg ${jwk?.alg}, enc ${enc?.enc}`,
      fail: 'credential_response_encryption needs jwk (with alg) and enc',
    });
    if (enc && enc.alg !== undefined) list.warn('credential_response_encryption.alg', 'OID4VCI 1.0 §8.2', 'alg next to jwk is the draft ≤ 15 shape; 1.0 takes alg from the jwk');
  }
  return { checks: list, decoded: { body: req }, keys };
}

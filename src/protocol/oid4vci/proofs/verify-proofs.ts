import { fail } from '../../../core/diagnostics.js';
import type { CredentialConfiguration } from '../../../credential-configurations/schema.js';
import type { HolderKey } from '../../../formats/types.js';
import type { CredentialRequest } from '../../../schemas/credential-request.js';
import type { AccessTokenRecord } from '../../../store/store.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../../deps.js';
import { verifyJwtProof, type VerifiedJwtProof } from './jwt-proof.js';
import { verifyKeyAttestation, verifyKeyAttestationRequirements, type KeyAttestationsRequired, type VerifiedKeyAttestation } from './key-attestation.js';

/**
 * The `proofs` member of a credential request (OID4VCI 1.0 §8.2): shape, batch size, each
 * proof (Appendix F: `jwt`, or `attestation` F.3), one shared c_nonce consumed once, one
 * distinct key per credential. Signatures are checked before the nonce is consumed, so a broken
 * proof does not burn it. With key attestations (App. D) a credential goes to each attested key
 * (F.1, F.3), and the configuration's key_attestations_required (or the offer's
 * require_key_attestation) makes them mandatory.
 */

/** A key that receives one credential. */
export interface ProvenKey {
  holderKey: HolderKey;
  keySource: string;
  jwkThumbprint: string;
  /** The c_nonce the proofs carried (consumed). */
  nonce?: string;
}

type Deps = Pick<IssuerDeps, 'store' | 'clock' | 'config' | 'attestationTrust'>;

export async function verifyProofs(
  deps: Deps,
  urls: IssuerUrls,
  configuration: CredentialConfiguration,
  request: CredentialRequest,
  token: AccessTokenRecord,
  rec: Recorder,
  options: { requireKeyAttestation: boolean } = { requireKeyAttestation: false },
): Promise<ProvenKey[]> {
  const supported = configuration.proof_types_supported;
  if (!supported) {
    // §14.2: no key binding, one credential without a proof.
    throw new Error(`Configuration ${configuration.id} has no proof_types_supported: unbound credentials are not implemented`);
  }
  if (request.proofs === undefined) {
    fail('credential.proofs.missing', 'The request has no proofs, but the configuration requires key binding', { path: 'body.proofs' });
  }
  const types = Object.keys(request.proofs);
  if (types.length !== 1) {
    fail('credential.proofs.shape', `proofs must have exactly one proof type key, found ${types.length}: ${types.join(', ')}`, { path: 'body.proofs' });
  }
  const type = types[0];
  const proofs = request.proofs[type];
  if (!supported[type] || (type !== 'jwt' && type !== 'attestation')) {
    fail('credential.proofs.type_unsupported', `Proof type ${type.slice(0, 40)} is not supported for ${configuration.id}`, {
      path: `body.proofs.${type}`,
      expected: `one of ${Object.keys(supported).join(', ')}`,
    });
  }
  if (proofs.length === 0) fail('credential.proofs.shape', `proofs.${type} is an empty array`, { path: `body.proofs.${type}` });
  if (proofs.length > deps.config.batchSize) {
    fail('credential.proofs.batch_too_large', `${proofs.length} proofs sent, batch_size is ${deps.config.batchSize}`, { path: `body.proofs.${type}` });
  }
  const required = supported[type].key_attestations_required as KeyAttestationsRequired | undefined;
  const attestationNeeded = required !== undefined || options.requireKeyAttestation;
  const why = required !== undefined ? `the configuration ${configuration.id} lists key_attestations_required` : 'the offer was created with require_key_attestation';
  const keyAttestationPolicy = { mode: deps.config.attestation.mode, trust: deps.attestationTrust.key };

  let keys: ProvenKey[];
  let nonce: { value: string; path: string };
  if (type === 'attestation') {
    // F.3: exactly one key attestation, no proof of possession; its nonce is the c_nonce.
    if (proofs.length !== 1) fail('key_attestation.proof_count', `proofs.attestation has ${proofs.length} elements; it takes exactly one key attestation`, { path: 'body.proofs.attestation' });
    const path = 'body.proofs.attestation[0]';
    const warnings: VerifiedJwtProof['warnings'] = [];
    const att = await verifyKeyAttestation(deps, proofs[0], {
      allowedAlgs: supported.attestation.proof_signing_alg_values_supported,
      use: 'attestation',
      iatSkewSeconds: deps.config.proof.iatSkewSeconds,
      ...keyAttestationPolicy,
    }, path, warnings);
    for (const w of warnings) rec.diagnostic(w);
    verifyKeyAttestationRequirements(att, required);
    if (att.nonce === undefined) fail('key_attestation.nonce', 'the key attestation has no nonce; as an attestation proof it must carry the c_nonce (App. F.3)', { path: `${path}.payload.nonce` });
    logAttestation(att, rec);
    keys = keysOf(att, att.nonce);
    nonce = { value: att.nonce, path: `${path}.payload.nonce` };
  } else {
    const policy = {
      issuerIdentifier: urls.issuer,
      allowedAlgs: supported.jwt.proof_signing_alg_values_supported,
      bindingMethods: configuration.cryptographic_binding_methods_supported,
      iatSkewSeconds: deps.config.proof.iatSkewSeconds,
      maxAgeSeconds: deps.config.proof.maxAgeSeconds,
      nonceRequired: true,
      anonymousGrant: token.anonymous,
      keyAttestation: keyAttestationPolicy,
    };
    const verified: VerifiedJwtProof[] = [];
    const thumbprints = new Set<string>();
    for (const [i, jwt] of proofs.entries()) {
      const path = `body.proofs.jwt[${i}]`;
      if (typeof jwt !== 'string') fail('proof.jwt.malformed', `${path} is not a string`, { path, found: typeof jwt });
      const proof = await verifyJwtProof(deps, jwt, policy, path);
      for (const w of proof.warnings) rec.diagnostic(w);
      const thumbprint = proof.jwkThumbprint;
      if (thumbprints.has(thumbprint)) fail('proof.jwt.duplicate_key', `${path} uses the same key as an earlier proof`, { path });
      thumbprints.add(thumbprint);
      if (verified.length && proof.nonce !== verified[0].nonce) {
        fail('proof.jwt.nonce_mismatch_in_batch', `${path} carries another nonce than proofs.jwt[0]`, { path: `${path}.payload.nonce` });
      }
      if (attestationNeeded && !proof.keyAttestation) fail('key_attestation.required', `${path} has no key_attestation header, and ${why}`, { path: `${path}.header.key_attestation` });
      if (proof.keyAttestation) {
        verifyKeyAttestationRequirements(proof.keyAttestation, required);
        // F.1: the key attestation carries the server-provided c_nonce.
        if (proof.keyAttestation.nonce !== proof.nonce) {
          fail('key_attestation.nonce', `the key attestation nonce ${proof.keyAttestation.nonce === undefined ? 'is missing' : 'differs from the proof nonce'}; it must be the c_nonce`, { path: `${path}.header.key_attestation.payload.nonce` });
        }
        logAttestation(proof.keyAttestation, rec);
      }
      verified.push(proof);
      rec.log('debug', `Proof ${i} verified`, { key_source: proof.keySource, header: { ...proof.header, ...(proof.header.key_attestation ? { key_attestation: '(verified, see above)' } : {}) }, payload: proof.payload });
    }
    // F.1: a credential for each attested key; proofs without attestation bind their own key.
    keys = dedupe(verified.flatMap((p) => (p.keyAttestation ? keysOf(p.keyAttestation, p.nonce) : [{ holderKey: p.holderKey, keySource: p.keySource, jwkThumbprint: p.jwkThumbprint, nonce: p.nonce }])));
    nonce = { value: verified[0].nonce!, path: 'body.proofs.jwt[0].payload.nonce' };
  }
  if (type === 'attestation' && keys.length > deps.config.batchSize) {
    fail('credential.proofs.batch_too_large', `the key attestation attests ${keys.length} keys, batch_size is ${deps.config.batchSize}`, { path: 'body.proofs.attestation[0].payload.attested_keys' });
  }
  if (keys.length > deps.config.batchSize) {
    // §8.3: the issuer may return fewer credentials than keys.
    rec.log('warning', `The key attestations attest ${keys.length} keys; credentials go to the first ${deps.config.batchSize} (batch_size)`, { path: 'body.proofs.jwt' });
    keys = keys.slice(0, deps.config.batchSize);
  }

  const consumed = await deps.store.nonces.consume(nonce.value, deps.clock.nowMs());
  if (!consumed) {
    const known = await deps.store.nonces.peek(nonce.value);
    const reason = !known
      ? 'was not issued by this issuer'
      : known.consumedAt !== null
        ? `was already used at ${new Date(known.consumedAt).toISOString()}`
        : `expired at ${new Date(known.expiresAt).toISOString()}`;
    fail('proof.jwt.nonce_unknown', `The c_nonce ${nonce.value.slice(0, 40)} ${reason}`, { path: nonce.path });
  }
  if (consumed.requestId) rec.adoptRequest(consumed.requestId);
  return keys;
}

function keysOf(att: VerifiedKeyAttestation, nonce: string | undefined): ProvenKey[] {
  return att.attestedKeys.map((k) => ({ holderKey: { jwk: k.jwk }, keySource: 'key_attestation', jwkThumbprint: k.thumbprint, ...(nonce ? { nonce } : {}) }));
}

function dedupe(keys: ProvenKey[]): ProvenKey[] {
  const seen = new Set<string>();
  return keys.filter((k) => !seen.has(k.jwkThumbprint) && seen.add(k.jwkThumbprint));
}

function logAttestation(att: VerifiedKeyAttestation, rec: Recorder): void {
  rec.log('info', `Key attestation verified (OID4VCI 1.0 App. D): ${att.attestedKeys.length} attested key(s)`, {
    path: att.path,
    trusted: att.trusted,
    trust: att.trust,
    attester_key: att.attesterKey,
    key_storage: att.keyStorage,
    user_authentication: att.userAuthentication,
    attested_keys: att.attestedKeys.map((k) => k.thumbprint),
  });
}

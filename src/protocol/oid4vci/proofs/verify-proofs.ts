import { fail } from '../../../core/diagnostics.js';
import type { CredentialConfiguration } from '../../../credential-configurations/schema.js';
import type { CredentialRequest } from '../../../schemas/credential-request.js';
import type { AccessTokenRecord } from '../../../store/store.js';
import type { IssuerDeps, IssuerUrls, Recorder } from '../../deps.js';
import { verifyJwtProof, type VerifiedJwtProof } from './jwt-proof.js';

/**
 * The `proofs` member of a credential request (OID4VCI 1.0 §8.2): shape, batch size, each
 * proof (Appendix F), one shared c_nonce consumed once, one distinct key per credential.
 * Signatures are checked before the nonce is consumed, so a broken proof does not burn it.
 */
export async function verifyProofs(
  deps: Pick<IssuerDeps, 'store' | 'clock' | 'config'>,
  urls: IssuerUrls,
  configuration: CredentialConfiguration,
  request: CredentialRequest,
  token: AccessTokenRecord,
  rec: Recorder,
): Promise<VerifiedJwtProof[]> {
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
  if (!supported[type] || type !== 'jwt') {
    fail('credential.proofs.type_unsupported', `Proof type ${type.slice(0, 40)} is not supported for ${configuration.id}`, {
      path: `body.proofs.${type}`,
      expected: `one of ${Object.keys(supported).join(', ')}`,
    });
  }
  if (proofs.length === 0) fail('credential.proofs.shape', 'proofs.jwt is an empty array', { path: 'body.proofs.jwt' });
  if (proofs.length > deps.config.batchSize) {
    fail('credential.proofs.batch_too_large', `${proofs.length} proofs sent, batch_size is ${deps.config.batchSize}`, { path: 'body.proofs.jwt' });
  }

  const policy = {
    issuerIdentifier: urls.issuer,
    allowedAlgs: supported.jwt.proof_signing_alg_values_supported,
    bindingMethods: configuration.cryptographic_binding_methods_supported,
    iatSkewSeconds: deps.config.proof.iatSkewSeconds,
    maxAgeSeconds: deps.config.proof.maxAgeSeconds,
    nonceRequired: true,
    anonymousGrant: token.anonymous,
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
    verified.push(proof);
    rec.log('debug', `Proof ${i} verified`, { key_source: proof.keySource, header: proof.header, payload: proof.payload });
  }

  const nonce = verified[0].nonce!;
  const consumed = await deps.store.nonces.consume(nonce, deps.clock.nowMs());
  if (!consumed) {
    const known = await deps.store.nonces.peek(nonce);
    const why = !known
      ? 'was not issued by this issuer'
      : known.consumedAt !== null
        ? `was already used at ${new Date(known.consumedAt).toISOString()}`
        : `expired at ${new Date(known.expiresAt).toISOString()}`;
    fail('proof.jwt.nonce_unknown', `The c_nonce ${nonce.slice(0, 40)} ${why}`, { path: 'body.proofs.jwt[0].payload.nonce' });
  }
  if (consumed.requestId) rec.adoptRequest(consumed.requestId);
  return verified;
}


import { createHash } from 'node:crypto';
import { fail, ProtocolError } from '../../core/diagnostics.js';
import { newId } from '../../core/ids.js';
import { resolveClaims } from '../../credential-configurations/claims.js';
import type { CredentialConfiguration } from '../../credential-configurations/schema.js';
import { issueCredential } from '../../formats/index.js';
import type { HolderKey } from '../../formats/types.js';
import type { IssuedCredentialRecord, SessionRecord, StatusEntryRecord } from '../../store/store.js';
import type { IssuerDeps, IssuerUrls } from '../deps.js';
import { allocateStatus } from '../status-list/status.js';

/** A holder key proven at the credential endpoint (now, or earlier for deferred issuance). */
export interface BoundKey {
  holderKey: HolderKey;
  keySource: string;
  thumbprint: string;
}

export interface IssuedBatch {
  credentials: { credential: string }[];
  /** Not yet recorded: the caller records them once the response is certain to go out. */
  records: IssuedCredentialRecord[];
  /** Their status list entries, to be written with them. */
  statusEntries: StatusEntryRecord[];
  validUntil: number;
  claimsSource: 'offer or supplied' | 'sample claims';
}

/**
 * One credential per proven key (OID4VCI 1.0 §8.3), with the session's claims for the
 * configuration (offered or supplied) or, when there are none, the sample claims. Shared by
 * the credential endpoint and the deferred endpoint (§9), so both issue the same way.
 */
export async function issueCredentials(
  deps: Pick<IssuerDeps, 'clock' | 'keys' | 'store' | 'serverSecret'>,
  urls: IssuerUrls,
  session: SessionRecord,
  configuration: CredentialConfiguration,
  credentialIdentifier: string | null,
  keys: readonly BoundKey[],
): Promise<IssuedBatch> {
  const now = deps.clock.nowMs();
  const offered = session.options.claims[configuration.id];
  const claims = resolveClaims(configuration, offered);
  const validUntil = Math.min(now + configuration.issuance.validity_days * 86_400_000, deps.keys.signer.certificateNotAfter.getTime());
  const credentials: { credential: string }[] = [];
  const records: IssuedCredentialRecord[] = [];
  const statusEntries: StatusEntryRecord[] = [];
  for (const key of keys) {
    const id = newId('cred');
    // Every credential carries its own random status list index (HAIP §6.1).
    const { reference: status, entry } = await allocateStatus(deps, urls, { sessionId: session.id, credentialId: id });
    statusEntries.push(entry);
    let credential: string;
    try {
      credential = await issueCredential({
        status,
        configuration,
        claims,
        holderKey: key.holderKey,
        signer: deps.keys.signer,
        issuerIdentifier: urls.issuer,
        issuedAt: new Date(now),
        validUntil: new Date(validUntil),
      });
    } catch (cause) {
      if (cause instanceof ProtocolError) throw cause;
      fail('credential.issuance.failed', `The claims could not be encoded: ${(cause as Error).message}`, { cause });
    }
    credentials.push({ credential });
    records.push({
      id,
      sessionId: session.id,
      credentialConfigurationId: configuration.id,
      credentialIdentifier,
      format: configuration.format,
      holderKeyThumbprint: key.thumbprint,
      keySource: key.keySource,
      credentialDigest: createHash('sha256').update(credential).digest('base64url'),
      issuedAt: now,
      expiresAt: validUntil,
    });
  }
  // Session claims come from the offer or from POST /sessions/{id}/claims; both land in options.claims.
  const claimsSource = offered ? 'offer or supplied' : 'sample claims';
  return { credentials, records, statusEntries, validUntil, claimsSource };
}

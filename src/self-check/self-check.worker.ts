/** Worker side of the self-check pool: the same pure check, off the event loop of the server. */
import { parentPort } from 'node:worker_threads';
import { fixedClock } from '../core/clock.js';
import type { IssuerKeyMaterial } from '../crypto/issuer-keys.types.js';
import { verifyIssuedCredential, type IssuedCredentialToCheck } from './verify-issued-credential.js';

export interface SelfCheckJob {
  id: number;
  nowMs: number;
  keys: Pick<IssuerKeyMaterial, 'jwks' | 'rootCertificatePem'> & { signer: Pick<IssuerKeyMaterial['signer'], 'certificateNotBefore' | 'certificateNotAfter'> };
  item: IssuedCredentialToCheck;
}

parentPort?.on('message', (job: SelfCheckJob) => {
  try {
    const result = verifyIssuedCredential({ clock: fixedClock(job.nowMs), keys: job.keys as IssuerKeyMaterial }, job.item);
    parentPort!.postMessage({ id: job.id, result });
  } catch (error) {
    parentPort!.postMessage({ id: job.id, error: (error as Error).message });
  }
});

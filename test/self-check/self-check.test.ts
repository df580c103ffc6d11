import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Decoder } from 'cbor-x';
import { calculateJwkThumbprint } from 'jose';
import { resolveClaims } from '../../src/credential-configurations/claims.js';
import type { CredentialConfiguration } from '../../src/credential-configurations/schema.js';
import { issueCredential } from '../../src/formats/index.js';
import { encodeCbor } from '../../src/formats/mso-mdoc/cbor.js';
import { verifyIssuedCredential } from '../../src/self-check/verify-issued-credential.js';
import { drainAfterFlushTasks } from '../../src/session-log/request-recorder.js';
import { startLab, type Lab } from '../helpers/lab.js';
import { newHolderKey, signProof, type HolderKey } from '../helpers/wallet.js';

/**
 * Self-check of every issued credential: recorded on the session (a log
 * entry and the issued-credential record) for every shipped configuration, immediate and
 * deferred; and each check fails on a credential broken in exactly its way.
 */

let lab: Lab;
before(async () => {
  lab = await startLab();
});
after(async () => {
  await lab.close();
});

const EXPECTED_CHECKS: Record<string, string[]> = {
  'dc+sd-jwt': ['credential.signature', 'credential.salts_distinct', 'credential.disclosures_referenced', 'self_check.binding_key', 'self_check.vct', 'self_check.validity_in_certificate'],
  mso_mdoc: ['credential.signature', 'credential.digests', 'credential.validity_in_certificate', 'self_check.binding_key', 'self_check.doctype'],
  jwt_vc_json: ['credential.signature', 'self_check.binding_key', 'self_check.credential_definition.type', 'self_check.validity_in_certificate'],
};

async function issue(configurationId: string, offerBody: Record<string, unknown> = {}) {
  const offer = await lab.offer({ credential_configuration_ids: [configurationId], ...offerBody });
  const token = (await lab.redeem(offer)).body.access_token;
  const key = await newHolderKey();
  const res = await lab.credential(token, { credential_configuration_id: configurationId, proofs: { jwt: [await signProof(key, { aud: lab.issuer, nonce: await lab.nonce() })] } });
  return { offer, token, key, res };
}

describe('self-check on the session', () => {
  for (const id of ['eu.europa.ec.eudi.pid_vc_sd_jwt', 'eu.europa.ec.eudi.pid_mdoc', 'eu.europa.ec.eudi.pid_mso_mdoc', 'org.iso.18013.5.1.mDL', 'org.example.employee_jwt_vc']) {
    it(`${id}: passes, recorded on the issued credential and in an info log entry`, async () => {
      const { offer, key, res } = await issue(id);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      await drainAfterFlushTasks();
      const session = await lab.session(offer.session_id);
      const [issued] = session.issued_credentials;
      assert.equal(issued.holder_key_thumbprint, await calculateJwkThumbprint(key.publicJwk));
      assert.equal(issued.self_check.status, 'pass', JSON.stringify(issued.self_check.checks.filter((c: any) => c.status !== 'pass')));
      const checks = new Map(issued.self_check.checks.map((c: any) => [c.check, c.status]));
      for (const check of EXPECTED_CHECKS[issued.format]) assert.equal(checks.get(check), 'pass', check);
      const entry = session.logs.find((l: any) => l.message.startsWith('Self-check passed'));
      assert.equal(entry.level, 'info');
      assert.equal(entry.endpoint, 'credential');
      assert.equal(entry.request_id, res.headers['x-request-id']);
      assert.deepEqual(entry.data.self_check.map((c: any) => [c.credential_configuration_id, c.status]), [[id, 'pass']]);
    });
  }

  it('deferred issuance is self-checked when the credential is delivered', async () => {
    const id = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
    const { offer, token, res } = await issue(id, { deferred: true });
    assert.equal(res.status, 202);
    await lab.admin('POST', `/sessions/${offer.session_id}/claims`, { credential_configuration_id: id, claims: lab.deps.configurations.byId.get(id)!.issuance.sample_claims });
    assert.equal((await lab.deferred(token, { transaction_id: res.body.transaction_id })).status, 200);
    await drainAfterFlushTasks();
    const session = await lab.session(offer.session_id);
    assert.equal(session.issued_credentials[0].self_check.status, 'pass');
    assert.ok(session.logs.some((l: any) => l.endpoint === 'deferred_credential' && l.message.startsWith('Self-check passed')));
  });
});

describe('self-check verdicts on broken credentials', () => {
  let holder: HolderKey;
  let thumbprint: string;
  const config = (id: string) => lab.deps.configurations.byId.get(id)! as CredentialConfiguration;
  /** `beyond`: the formats cut validity back to the signer certificate; a signer that claims a later notAfter gets past that. */
  const make = (id: string, beyond?: Date) => {
    const now = Date.now();
    const signer = beyond ? { ...lab.deps.keys.signer, certificateNotAfter: beyond } : lab.deps.keys.signer;
    return issueCredential({
      configuration: config(id),
      claims: resolveClaims(config(id), undefined),
      holderKey: { jwk: holder.publicJwk },
      signer,
      issuerIdentifier: lab.issuer,
      issuedAt: new Date(now),
      validUntil: beyond ?? new Date(Math.min(now + 86_400_000, lab.deps.keys.signer.certificateNotAfter.getTime())),
    });
  };
  const verdict = (id: string, credential: string, holderKeyThumbprint = thumbprint, configuration = config(id)) => {
    const r = verifyIssuedCredential(lab.deps, { configuration, credential, holderKeyThumbprint });
    return { status: r.status, failed: r.checks.filter((c) => c.status === 'fail').map((c) => c.check) };
  };

  before(async () => {
    holder = await newHolderKey();
    thumbprint = await calculateJwkThumbprint(holder.publicJwk);
  });

  it('binding key other than the proof key', async () => {
    const other = await calculateJwkThumbprint((await newHolderKey()).publicJwk);
    assert.deepEqual(verdict('eu.europa.ec.eudi.pid_vc_sd_jwt', await make('eu.europa.ec.eudi.pid_vc_sd_jwt'), other).failed, ['self_check.binding_key']);
  });

  it('SD-JWT: two disclosures with one salt', async () => {
    const parts = (await make('eu.europa.ec.eudi.pid_vc_sd_jwt')).split('~');
    const repeated = [parts[0], parts[1], parts[1], ...parts.slice(2)].join('~');
    assert.ok(verdict('eu.europa.ec.eudi.pid_vc_sd_jwt', repeated).failed.includes('credential.salts_distinct'));
  });

  it('vct, doctype and credential_definition.type other than configured', async () => {
    const other = <T extends object>(id: string, patch: T) => ({ ...config(id), ...patch }) as CredentialConfiguration;
    assert.deepEqual(verdict('eu.europa.ec.eudi.pid_vc_sd_jwt', await make('eu.europa.ec.eudi.pid_vc_sd_jwt'), thumbprint, other('eu.europa.ec.eudi.pid_vc_sd_jwt', { vct: 'urn:other' })).failed, ['self_check.vct']);
    assert.deepEqual(verdict('org.iso.18013.5.1.mDL', await make('org.iso.18013.5.1.mDL'), thumbprint, other('org.iso.18013.5.1.mDL', { doctype: 'org.other.1' })).failed, ['self_check.doctype']);
    assert.deepEqual(
      verdict('org.example.employee_jwt_vc', await make('org.example.employee_jwt_vc'), thumbprint, other('org.example.employee_jwt_vc', { credential_definition: { type: ['VerifiableCredential', 'OtherCredential'] } })).failed,
      ['self_check.credential_definition.type'],
    );
  });

  it('mdoc: validityInfo beyond the signer certificate, and a JWT whose exp is', async () => {
    const beyond = new Date(lab.deps.keys.signer.certificateNotAfter.getTime() + 86_400_000);
    assert.ok(verdict('org.iso.18013.5.1.mDL', await make('org.iso.18013.5.1.mDL', beyond)).failed.includes('credential.validity_in_certificate'));
    assert.ok(verdict('org.example.employee_jwt_vc', await make('org.example.employee_jwt_vc', beyond)).failed.includes('self_check.validity_in_certificate'));
  });

  it('mdoc: element digests that do not match the MSO', async () => {
    const decoder = new Decoder({ mapsAsObjects: false, useRecords: false } as never);
    const a = decoder.decode(Buffer.from(await make('eu.europa.ec.eudi.pid_mdoc'), 'base64url')) as Map<string, unknown>;
    const b = decoder.decode(Buffer.from(await make('eu.europa.ec.eudi.pid_mdoc'), 'base64url')) as Map<string, unknown>;
    // b's signed MSO with a's items: same elements, other random salts, so other digests.
    const mixed = new Map([['nameSpaces', a.get('nameSpaces')], ['issuerAuth', b.get('issuerAuth')]]);
    const r = verdict('eu.europa.ec.eudi.pid_mdoc', Buffer.from(encodeCbor(mixed)).toString('base64url'));
    assert.ok(r.failed.includes('credential.digests'), JSON.stringify(r.failed));
  });
});

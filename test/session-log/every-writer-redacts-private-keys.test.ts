import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { note } from '../../src/http/routes/dashboard/reference-wallet.js';
import { recordSelfCheck } from '../../src/self-check/record-self-check.js';
import { startLab, type Lab } from '../helpers/lab.js';

/**
 * Private keys never reach the session log, whichever part writes the entry: besides the
 * request recorder, the self-check (after the reply) and the reference wallet's notes write
 * entries of their own. Each writer stores what its inputs carry, so each is given a private
 * JWK and the stored entry (real SQLite, read back through the admin API) must not have it.
 */
describe('every session log writer removes private keys', () => {
  let lab: Lab;
  let sessionId: string;
  let jwk: JWK;
  before(async () => {
    lab = await startLab();
    sessionId = (await lab.offer()).session_id;
    jwk = await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey);
  });
  after(async () => lab.close());

  const stored = async (requestId: string) => {
    const entry = (await lab.logs(sessionId)).find((l) => l.request_id === requestId);
    assert.ok(entry, `the entry of ${requestId} is stored`);
    return entry;
  };

  it('the reference wallet note: a run outcome quoting the wallet key and a proof carrying it', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    const proof = await new SignJWT({ nonce: 'n' }).setProtectedHeader({ alg: 'ES256', typ: 'openid4vci-proof+jwt', jwk }).sign(privateKey);
    await note(lab.deps, sessionId, 'req_note_key', 'error', 'Reference wallet failed', { error: 'the issuer refused the proof', key: jwk, proof });
    const entry = await stored('req_note_key');
    assert.equal(entry.data.key.d, '<private key member removed>');
    assert.equal(entry.data.key.x, jwk.x, 'the public part stays');
    assert.ok(!JSON.stringify(entry).includes(jwk.d!), 'no private member anywhere in the entry');
  });

  it('the self-check entry: a configuration named by a did:jwk of a private key', async () => {
    const did = `did:jwk:${Buffer.from(JSON.stringify(jwk)).toString('base64url')}`;
    const configuration = { ...lab.deps.configurations.byId.get('eu.europa.ec.eudi.pid_vc_sd_jwt')!, id: did };
    await recordSelfCheck(lab.deps, 'req_self_check_key', 'credential', [
      { configuration, credential: 'not-a-credential', record: { id: 'crd_private_key_test', sessionId, holderKeyThumbprint: null } as never },
    ]);
    const entry = await stored('req_self_check_key');
    assert.equal(entry.data.self_check[0].credential_id, 'crd_private_key_test');
    assert.notEqual(entry.data.self_check[0].credential_configuration_id, did);
    assert.ok(!JSON.stringify(entry.data).includes(jwk.d!), 'no private member in the entry data');
    assert.ok(!JSON.stringify(entry.data).includes(did), 'no did:jwk of a private key in the entry data');
  });
});

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { KEY_FILES, loadOrCreateIssuerKeys } from '../../src/crypto/issuer-keys.js';
import { exportPrivateKeyPem, isEncryptedPem, parsePrivateKeyPem } from '../../src/crypto/key-encryption.js';

/** KEY_ENCRYPTION_SECRET: private key files encrypted at rest. */

const SECRET = 'correct horse battery staple 42';
const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'issuance-lab-keyenc-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const keyFiles = (dataDir: string) => readdirSync(join(dataDir, 'keys')).filter((f) => /\.key(\..+)?\.pem$/.test(f));
const read = (dataDir: string, name: string) => readFileSync(join(dataDir, 'keys', name), 'utf8');
const opts = (dataDir: string, extra: Record<string, unknown> = {}) => ({ dataDir, issuerName: 'issuer.example', now: new Date('2026-06-01T00:00:00Z'), ...extra });

describe('key encryption at rest', () => {
  it('round-trips a key through encrypted PKCS#8 and refuses a missing or wrong secret with an actionable message', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = exportPrivateKeyPem(privateKey, SECRET);
    assert.ok(isEncryptedPem(pem));
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    const back = parsePrivateKeyPem(pem, 'k.pem', SECRET);
    assert.deepEqual(back.export({ format: 'jwk' }), privateKey.export({ format: 'jwk' }));
    assert.throws(() => parsePrivateKeyPem(pem, 'k.pem'), /k\.pem is encrypted: set KEY_ENCRYPTION_SECRET/);
    assert.throws(() => parsePrivateKeyPem(pem, 'k.pem', 'another secret, 16+ chars'), /does not decrypt private key k\.pem/);
    assert.ok(!isEncryptedPem(exportPrivateKeyPem(privateKey)));
  });

  it('writes generated keys encrypted (mode 0600) and loads them again with the same secret only', async () => {
    const dataDir = tempDir();
    const first = await loadOrCreateIssuerKeys(opts(dataDir, { keyPassphrase: SECRET }));
    assert.ok(first.generated);
    for (const name of [KEY_FILES.rootKey, KEY_FILES.documentSignerKey]) {
      assert.ok(isEncryptedPem(read(dataDir, name)), `${name} is encrypted`);
      assert.equal(statSync(join(dataDir, 'keys', name)).mode & 0o777, 0o600);
    }
    const again = await loadOrCreateIssuerKeys(opts(dataDir, { keyPassphrase: SECRET }));
    assert.equal(again.generated, false);
    assert.equal(again.signer.kid, first.signer.kid);
    await assert.rejects(loadOrCreateIssuerKeys(opts(dataDir)), /is encrypted: set KEY_ENCRYPTION_SECRET/);
    await assert.rejects(loadOrCreateIssuerKeys(opts(dataDir, { keyPassphrase: 'not the secret at all!' })), /does not decrypt/);
  });

  it('encrypts the plain key files of an existing DATA_DIR, archived ones included, on the first start with a secret', async () => {
    const dataDir = tempDir();
    const plain = await loadOrCreateIssuerKeys(opts(dataDir));
    await loadOrCreateIssuerKeys(opts(dataDir, { rotate: true }));
    assert.ok(keyFiles(dataDir).length >= 3, `${keyFiles(dataDir)}`);
    assert.ok(keyFiles(dataDir).every((f) => !isEncryptedPem(read(dataDir, f))));
    const upgraded = await loadOrCreateIssuerKeys(opts(dataDir, { keyPassphrase: SECRET }));
    assert.deepEqual(upgraded.encryptedFiles?.sort(), keyFiles(dataDir).sort());
    assert.ok(keyFiles(dataDir).every((f) => isEncryptedPem(read(dataDir, f)) && (statSync(join(dataDir, 'keys', f)).mode & 0o777) === 0o600));
    assert.equal(upgraded.jwks.keys.length, 2, 'the rotated-out signer stays published');
    assert.ok(upgraded.jwks.keys.some((k) => k.kid === plain.signer.kid));
    const next = await loadOrCreateIssuerKeys(opts(dataDir, { keyPassphrase: SECRET }));
    assert.equal(next.encryptedFiles, undefined, 'nothing left to encrypt');
  });

  it('rotates the document signer under a secret and keeps the new key encrypted', async () => {
    const dataDir = tempDir();
    const first = await loadOrCreateIssuerKeys(opts(dataDir, { keyPassphrase: SECRET }));
    const rotated = await loadOrCreateIssuerKeys(opts(dataDir, { keyPassphrase: SECRET, rotate: true }));
    assert.notEqual(rotated.signer.kid, first.signer.kid);
    assert.ok(keyFiles(dataDir).every((f) => isEncryptedPem(read(dataDir, f))));
  });

  it('reads an operator-supplied key encrypted with the secret', async () => {
    const source = tempDir();
    const generated = await loadOrCreateIssuerKeys(opts(source));
    const dir = tempDir();
    const keyPath = join(dir, 'issuer.key.pem');
    const chainPath = join(dir, 'chain.pem');
    writeFileSync(keyPath, exportPrivateKeyPem(generated.signer.privateKey, SECRET));
    writeFileSync(chainPath, generated.documentSignerCertificatePem + generated.rootCertificatePem);
    const loaded = await loadOrCreateIssuerKeys(opts(dir, { keyPemPath: keyPath, chainPemPath: chainPath, keyPassphrase: SECRET }));
    assert.equal(loaded.signer.kid, generated.signer.kid);
    await assert.rejects(loadOrCreateIssuerKeys(opts(dir, { keyPemPath: keyPath, chainPemPath: chainPath })), /set KEY_ENCRYPTION_SECRET/);
  });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createPrivateKey, createPublicKey, sign, verify, webcrypto, X509Certificate as NodeX509Certificate } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { calculateJwkThumbprint } from 'jose';
import {
  createDocumentSignerCertificate,
  createIacaRootCertificate,
  generateP256KeyPair,
  ID_MDL_KP_MDL_DS,
} from '../../src/crypto/certificates.js';
import { KEY_FILES, loadOrCreateIssuerKeys } from '../../src/crypto/issuer-keys.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const DAY = 24 * 60 * 60 * 1000;
const T0 = new Date('2025-03-01T12:00:00.000Z');

async function withTempDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'issuer-keys-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

test('first start generates keys and certificates, files are 0600 in a 0700 dir', () =>
  withTempDir(async (dir) => {
    const keys = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    assert.equal(keys.generated, true);
    assert.equal(keys.rotated, false);
    const keyDir = join(dir, 'keys');
    assert.equal(await mode(keyDir), 0o700);
    const files = (await readdir(keyDir)).sort();
    assert.deepEqual(files, Object.values(KEY_FILES).sort(), 'exactly the four files, no temp leftovers');
    for (const f of files) assert.equal(await mode(join(keyDir, f)), 0o600, `${f} mode`);

    const { signer } = keys;
    assert.equal(signer.alg, 'ES256');
    assert.equal(signer.chainDer.length, 1, 'root excluded from the chain');
    assert.deepEqual(signer.x5c, [Buffer.from(signer.chainDer[0]).toString('base64')]);
    assert.equal(signer.kid, await calculateJwkThumbprint(createPublicKey(signer.privateKey).export({ format: 'jwk' })));
    assert.deepEqual(keys.jwks, { keys: [signer.publicJwk] });
    assert.equal(signer.publicJwk.kid, signer.kid);
    assert.equal(signer.publicJwk.alg, 'ES256');
    assert.equal(signer.publicJwk.use, 'sig');
    assert.deepEqual(signer.publicJwk.x5c, signer.x5c);
    assert.equal(signer.publicJwk.crv, 'P-256');

    const ds = new x509.X509Certificate(keys.documentSignerCertificatePem);
    assert.equal(signer.certificateNotBefore.getTime(), ds.notBefore.getTime());
    assert.equal(signer.certificateNotAfter.getTime(), ds.notAfter.getTime());
    assert.ok(signer.certificateNotBefore.getTime() <= T0.getTime());
    assert.equal(Buffer.compare(Buffer.from(ds.rawData), Buffer.from(signer.chainDer[0])), 0);
  }));

test('second start loads the same material', () =>
  withTempDir(async (dir) => {
    const first = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    const second = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: new Date(T0.getTime() + DAY) });
    assert.equal(second.generated, false);
    assert.equal(second.rotated, false);
    assert.equal(second.signer.kid, first.signer.kid);
    assert.deepEqual(second.signer.x5c, first.signer.x5c);
    assert.equal(second.rootCertificatePem, first.rootCertificatePem);
    assert.equal(second.documentSignerCertificatePem, first.documentSignerCertificatePem);
    assert.deepEqual(second.jwks, first.jwks);
  }));

test('certificates follow the ISO/IEC 18013-5 Annex B IACA and document-signer profiles', () =>
  withTempDir(async (dir) => {
    const keys = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', issuerCountry: 'DE', now: T0 });
    const root = new x509.X509Certificate(keys.rootCertificatePem);
    const ds = new x509.X509Certificate(keys.documentSignerCertificatePem);

    // Signatures: peculiar and node both agree the DS is signed by the root, root is self-signed.
    assert.equal(await ds.verify({ publicKey: root.publicKey, signatureOnly: true }), true);
    assert.equal(await root.verify({ publicKey: root.publicKey, signatureOnly: true }), true);
    const nodeRoot = new NodeX509Certificate(keys.rootCertificatePem);
    const nodeDs = new NodeX509Certificate(keys.documentSignerCertificatePem);
    assert.equal(nodeDs.verify(nodeRoot.publicKey), true);
    assert.equal(nodeDs.checkIssued(nodeRoot), true);

    // Names.
    assert.equal(root.subject, 'C=DE, CN=issuer.example IACA Root');
    assert.equal(root.issuer, root.subject);
    assert.equal(ds.subject, 'C=DE, CN=issuer.example Document Signer');
    assert.equal(Buffer.compare(Buffer.from(ds.issuerName.toArrayBuffer()), Buffer.from(root.subjectName.toArrayBuffer())), 0);

    // Root: CA, pathLen 0, keyCertSign + cRLSign, both critical, SKI.
    const bc = root.getExtension(x509.BasicConstraintsExtension);
    assert.ok(bc);
    assert.equal(bc.ca, true);
    assert.equal(bc.pathLength, 0);
    assert.equal(bc.critical, true);
    const rootKu = root.getExtension(x509.KeyUsagesExtension);
    assert.ok(rootKu);
    assert.equal(rootKu.critical, true);
    assert.equal(rootKu.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
    const rootSki = root.getExtension(x509.SubjectKeyIdentifierExtension);
    assert.ok(rootSki);
    const rootYears = (root.notAfter.getTime() - root.notBefore.getTime()) / (365 * DAY);
    assert.ok(rootYears > 9.9 && rootYears < 10.1, `root validity ~10y, got ${rootYears}`);

    // DS: digitalSignature only, mdlDS EKU, not a CA, AKI = root SKI, own SKI, <= 457 days.
    const dsKu = ds.getExtension(x509.KeyUsagesExtension);
    assert.ok(dsKu);
    assert.equal(dsKu.critical, true);
    assert.equal(dsKu.usages, x509.KeyUsageFlags.digitalSignature);
    const eku = ds.getExtension(x509.ExtendedKeyUsageExtension);
    assert.ok(eku);
    // `usages` is an asn1-schema ExtendedKeyUsage (an Array subclass), so compare a plain copy.
    assert.deepEqual([...eku.usages], [ID_MDL_KP_MDL_DS]);
    assert.equal(eku.critical, true);
    const dsBc = ds.getExtension(x509.BasicConstraintsExtension);
    assert.ok(!dsBc || !dsBc.ca, 'DS must not be a CA');
    assert.equal(nodeDs.ca, false);
    const aki = ds.getExtension(x509.AuthorityKeyIdentifierExtension);
    assert.ok(aki);
    assert.equal(aki.keyId, rootSki.keyId);
    const dsSki = ds.getExtension(x509.SubjectKeyIdentifierExtension);
    assert.ok(dsSki);
    assert.notEqual(dsSki.keyId, rootSki.keyId);
    const dsDays = (ds.notAfter.getTime() - ds.notBefore.getTime()) / DAY;
    assert.ok(dsDays > 360 && dsDays <= 457, `DS validity ${dsDays} days`);

    // Serials: positive, >= 63 bits, <= 20 octets.
    for (const cert of [root, ds]) {
      const serial = BigInt(`0x${cert.serialNumber}`);
      assert.ok(serial >= 2n ** 62n, `serial ${cert.serialNumber} carries at least 63 bits`);
      assert.ok(cert.serialNumber.length <= 40);
      assert.ok(parseInt(cert.serialNumber.slice(0, 2), 16) < 0x80, 'serial DER integer is positive');
    }
    assert.notEqual(root.serialNumber, ds.serialNumber);
  }));

test('a signature by signer.privateKey verifies with the key in the DS certificate', () =>
  withTempDir(async (dir) => {
    const { signer, documentSignerCertificatePem } = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    const data = Buffer.from('mso payload');
    const signature = sign('sha256', data, { key: signer.privateKey, dsaEncoding: 'ieee-p1363' });
    const certKey = new NodeX509Certificate(documentSignerCertificatePem).publicKey;
    assert.equal(verify('sha256', data, { key: certKey, dsaEncoding: 'ieee-p1363' }, signature), true);
    assert.equal(verify('sha256', Buffer.from('other'), { key: certKey, dsaEncoding: 'ieee-p1363' }, signature), false);
  }));

test('the private key never appears in jwks or publicJwk', () =>
  withTempDir(async (dir) => {
    const keys = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    const d = (keys.signer.privateKey.export({ format: 'jwk' }) as { d: string }).d;
    assert.ok(d);
    assert.equal('d' in keys.signer.publicJwk, false);
    for (const k of keys.jwks.keys) assert.equal('d' in k, false);
    const published = JSON.stringify([keys.jwks, keys.signer.publicJwk, keys.rootCertificatePem, keys.documentSignerCertificatePem]);
    assert.equal(published.includes(d), false);
    assert.equal(published.includes('PRIVATE KEY'), false);
  }));

test('a DS certificate expiring within 30 days is rotated under the same root', () =>
  withTempDir(async (dir) => {
    const first = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    const at29 = new Date(first.signer.certificateNotAfter.getTime() - 29 * DAY);

    // 31 days before expiry: nothing happens.
    const at31 = await loadOrCreateIssuerKeys({
      dataDir: dir, issuerName: 'issuer.example', now: new Date(first.signer.certificateNotAfter.getTime() - 31 * DAY),
    });
    assert.equal(at31.rotated, false);
    assert.equal(at31.signer.kid, first.signer.kid);

    const rotated = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: at29 });
    assert.equal(rotated.rotated, true);
    assert.equal(rotated.generated, true);
    assert.notEqual(rotated.signer.kid, first.signer.kid);
    assert.equal(rotated.rootCertificatePem, first.rootCertificatePem, 'same root');
    assert.ok(rotated.signer.certificateNotAfter.getTime() > at29.getTime() + 300 * DAY);
    const root = new NodeX509Certificate(rotated.rootCertificatePem);
    assert.equal(new NodeX509Certificate(rotated.documentSignerCertificatePem).verify(root.publicKey), true);

    // Old files are kept under timestamped names, with the same mode.
    const keyDir = join(dir, 'keys');
    const files = await readdir(keyDir);
    const archived = files.filter((f) => !(Object.values(KEY_FILES) as string[]).includes(f));
    assert.equal(archived.length, 2, `archived: ${archived.join(', ')}`);
    assert.ok(archived.every((f) => f.startsWith('document-signer.') && f.endsWith('.pem')));
    const archivedCert = archived.find((f) => f.startsWith('document-signer.cert.'));
    assert.ok(archivedCert);
    assert.equal(await readFile(join(keyDir, archivedCert), 'utf8'), first.documentSignerCertificatePem);
    for (const f of files) assert.equal(await mode(join(keyDir, f)), 0o600);

    // The next start loads the rotated signer without rotating again.
    const after = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: at29 });
    assert.equal(after.rotated, false);
    assert.equal(after.generated, false);
    assert.equal(after.signer.kid, rotated.signer.kid);
  }));

test('an already expired DS certificate is rotated too', () =>
  withTempDir(async (dir) => {
    const first = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    const later = new Date(T0.getTime() + 400 * DAY);
    const rotated = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: later });
    assert.equal(rotated.rotated, true);
    assert.notEqual(rotated.signer.kid, first.signer.kid);
    assert.ok(rotated.signer.certificateNotBefore.getTime() <= later.getTime());
    assert.ok(rotated.signer.certificateNotAfter.getTime() > later.getTime());
  }));

test('a missing DS certificate (interrupted write) is reissued under the existing root', () =>
  withTempDir(async (dir) => {
    const first = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    await rm(join(dir, 'keys', KEY_FILES.documentSignerCertificate));
    const again = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    assert.equal(again.generated, true);
    assert.equal(again.rootCertificatePem, first.rootCertificatePem);
    assert.notEqual(again.signer.kid, first.signer.kid);
  }));

test('a DS key that does not match the DS certificate is refused', () =>
  withTempDir(async (dir) => {
    await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 });
    const other = generateP256KeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    await writeFile(join(dir, 'keys', KEY_FILES.documentSignerKey), other);
    await assert.rejects(
      loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'issuer.example', now: T0 }),
      /does not match the public key of .*document-signer\.cert\.pem/,
    );
  }));

// ---- operator-supplied material ------------------------------------------------------------

async function operatorChain(issuerName = 'operator.example') {
  const rootPair = generateP256KeyPair();
  const root = await createIacaRootCertificate({
    keyPair: rootPair, issuerName, country: 'NL', notBefore: T0, notAfter: new Date(T0.getTime() + 3000 * DAY),
  });
  const dsPair = generateP256KeyPair();
  const ds = await createDocumentSignerCertificate({
    publicKey: dsPair.publicKey, rootPrivateKey: rootPair.privateKey, rootCertificate: root.pem,
    issuerName, country: 'NL', notBefore: T0, notAfter: new Date(T0.getTime() + 200 * DAY),
  });
  return { root, ds, dsPair };
}

test('operator-supplied key (SEC1) and chain (with root) are used as given', () =>
  withTempDir(async (dir) => {
    const { root, ds, dsPair } = await operatorChain();
    const keyPemPath = join(dir, 'op.key.pem');
    const chainPemPath = join(dir, 'op.chain.pem');
    await writeFile(keyPemPath, dsPair.privateKey.export({ type: 'sec1', format: 'pem' }) as string);
    await writeFile(chainPemPath, ds.pem + root.pem);

    const keys = await loadOrCreateIssuerKeys({
      dataDir: join(dir, 'data'), issuerName: 'ignored.example', keyPemPath, chainPemPath, now: new Date(T0.getTime() + DAY),
    });
    assert.equal(keys.generated, false);
    assert.equal(keys.rotated, false);
    assert.equal(keys.source, 'operator');
    assert.equal(keys.rootCertificatePem, root.pem);
    assert.equal(keys.documentSignerCertificatePem, ds.pem);
    assert.equal(keys.signer.chainDer.length, 1, 'self-signed root excluded');
    assert.deepEqual(Buffer.from(keys.signer.chainDer[0]), Buffer.from(ds.der));
    assert.deepEqual(keys.signer.x5c, [Buffer.from(ds.der).toString('base64')]);
    assert.equal(keys.signer.kid, await calculateJwkThumbprint(dsPair.publicKey.export({ format: 'jwk' })));
    assert.equal(keys.signer.certificateNotAfter.getTime(), ds.notAfter.getTime());
    assert.deepEqual(
      createPublicKey(keys.signer.privateKey).export({ format: 'jwk' }),
      dsPair.publicKey.export({ format: 'jwk' }),
    );
    await assert.rejects(stat(join(dir, 'data', 'keys')), /ENOENT/, 'nothing generated or written');
  }));

test('operator chain without the root: root PEM is the chain top, chain kept whole', () =>
  withTempDir(async (dir) => {
    const { ds, dsPair } = await operatorChain();
    const keyPemPath = join(dir, 'op.key.pem');
    const chainPemPath = join(dir, 'op.chain.pem');
    await writeFile(keyPemPath, dsPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    await writeFile(chainPemPath, ds.pem);
    const keys = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'x', keyPemPath, chainPemPath, now: T0 });
    assert.equal(keys.signer.chainDer.length, 1);
    assert.equal(keys.rootCertificatePem, ds.pem);
  }));

test('mismatched operator key and chain is refused with a clear message', () =>
  withTempDir(async (dir) => {
    const { root, ds } = await operatorChain();
    const keyPemPath = join(dir, 'op.key.pem');
    const chainPemPath = join(dir, 'op.chain.pem');
    await writeFile(keyPemPath, generateP256KeyPair().privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    await writeFile(chainPemPath, ds.pem + root.pem);
    await assert.rejects(
      loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'x', keyPemPath, chainPemPath, now: T0 }),
      (e: Error) => {
        assert.match(e.message, /op\.key\.pem does not match the public key of the first certificate of .*op\.chain\.pem/);
        return true;
      },
    );
  }));

test('operator keys other than P-256 are refused with a clear message', () =>
  withTempDir(async (dir) => {
    const { root, ds } = await operatorChain();
    const keyPemPath = join(dir, 'op.key.pem');
    const chainPemPath = join(dir, 'op.chain.pem');
    const { privateKey } = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-384' }, true, ['sign', 'verify']) as CryptoKeyPair;
    const p384 = createPrivateKey({ key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', privateKey)), format: 'der', type: 'pkcs8' });
    await writeFile(keyPemPath, p384.export({ type: 'pkcs8', format: 'pem' }) as string);
    await writeFile(chainPemPath, ds.pem + root.pem);
    await assert.rejects(
      loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'x', keyPemPath, chainPemPath, now: T0 }),
      /EC secp384r1; only EC P-256 \(ES256\) keys are supported/,
    );
  }));

test('operator chain in the wrong order is refused', () =>
  withTempDir(async (dir) => {
    const { root, ds, dsPair } = await operatorChain();
    const keyPemPath = join(dir, 'op.key.pem');
    const chainPemPath = join(dir, 'op.chain.pem');
    await writeFile(keyPemPath, dsPair.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    await writeFile(chainPemPath, root.pem + ds.pem);
    await assert.rejects(
      loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'x', keyPemPath, chainPemPath, now: T0 }),
      /does not match the public key of the first certificate/,
    );
  }));

test('document-signer rotation', async (t) => {
  await t.test('rotates on request and keeps publishing the previous signer until it expires', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'issuer-keys-rotate-'));
    try {
      const first = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'rotate.example' });
      const second = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'rotate.example', rotate: true });
      assert.equal(second.rotated, true);
      assert.notEqual(second.signer.kid, first.signer.kid);
      assert.deepEqual(second.jwks.keys.map((k) => k.kid), [second.signer.kid, first.signer.kid]);
      // Same root: both signers chain to it.
      assert.equal(second.rootCertificatePem, first.rootCertificatePem);
      const reloaded = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'rotate.example' });
      assert.equal(reloaded.signer.kid, second.signer.kid);
      assert.equal(reloaded.jwks.keys.length, 2);
      // Once the old certificate has expired it is no longer published.
      const later = await loadOrCreateIssuerKeys({ dataDir: dir, issuerName: 'rotate.example', now: new Date(first.signer.certificateNotAfter.getTime() + 1000), rotate: false });
      assert.ok(!later.jwks.keys.some((k) => k.kid === first.signer.kid));
      assert.ok(later.jwks.keys.every((k) => !('d' in k)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

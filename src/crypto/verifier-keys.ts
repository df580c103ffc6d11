/**
 * The verifier's request-signing key and certificate chain (OpenID4VP 1.0 §5.9.3: x509_san_dns
 * and x509_hash requests are signed with the key of the x5c leaf). Generated on first start like
 * the issuer's: a verifier root and a leaf issued by it whose SAN is the host of PUBLIC_URL
 * (x509_san_dns needs the response_uri host as a dNSName; HAIP §5 wants a signer that is not
 * self-signed and no trust anchor in x5c). Or the operator's: VERIFIER_KEY_PEM + VERIFIER_CHAIN_PEM.
 * On a shared database the generated files are mirrored in the shared state so every instance
 * signs with the same certificate, hence the same x509_hash client_id.
 */
import { createHash, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { createIacaRootCertificate, DAY_MS, derToPemCertificate, generateP256KeyPair, isP256Key, pemCertificatesToDer, randomSerialNumberHex, truncateToSeconds } from './certificates.js';
import { ensurePrivateDir, readIfExists, writeFileAtomic } from './key-files.js';
import { exportPrivateKeyPem, parsePrivateKeyPem } from './key-encryption.js';
import type { SharedStateAccess } from './shared-issuer-keys.js';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export const VERIFIER_KEY_FILE = 'verifier.key.pem';
export const VERIFIER_CHAIN_FILE = 'verifier.chain.pem';
export const SHARED_VERIFIER_KEYS_NAME = 'verifier_key_files';
const LEAF_VALIDITY_MS = 365 * DAY_MS;
const ROOT_VALIDITY_MS = 3650 * DAY_MS;
const BACKDATE_MS = 5 * 60 * 1000;

export interface VerifierKeyMaterial {
  privateKey: KeyObject;
  /** Leaf first, without the root (HAIP §5): the x5c of every request object. */
  x5c: string[];
  leafDer: Uint8Array;
  /** dNSName SANs of the leaf: x509_san_dns needs the response_uri host among them. */
  dnsNames: string[];
  /** base64url(SHA-256(leaf DER)): the x509_hash client identifier (OpenID4VP 1.0 §5.9.3). */
  x509Hash: string;
  source: 'generated' | 'operator';
  /** PEM of the root that issued the generated leaf (published for wallets that pin it). */
  rootPem?: string;
}

export interface VerifierKeyOptions {
  dataDir: string;
  host: string;
  country: string;
  keyPemPath?: string;
  chainPemPath?: string;
  passphrase?: string;
  shared?: SharedStateAccess;
  now?: Date;
}

export async function loadOrCreateVerifierKeys(opts: VerifierKeyOptions): Promise<VerifierKeyMaterial & { generated: boolean }> {
  if (opts.keyPemPath || opts.chainPemPath) {
    if (!opts.keyPemPath || !opts.chainPemPath) throw new Error('VERIFIER_KEY_PEM and VERIFIER_CHAIN_PEM go together');
    const key = parsePrivateKeyPem(readFileSync(opts.keyPemPath, 'utf8'), opts.keyPemPath, opts.passphrase);
    return { ...fromMaterial(key, readFileSync(opts.chainPemPath, 'utf8'), 'operator', opts.chainPemPath), generated: false };
  }
  const now = opts.now ?? new Date();
  const dir = join(opts.dataDir, 'keys');
  await ensurePrivateDir(dir);
  const keyFile = join(dir, VERIFIER_KEY_FILE);
  const chainFile = join(dir, VERIFIER_CHAIN_FILE);
  const current = opts.shared ? await opts.shared.get(SHARED_VERIFIER_KEYS_NAME) : null;
  if (current) {
    const files = JSON.parse(current.value) as { key: string; chain: string };
    await writeFileAtomic(keyFile, files.key);
    await writeFileAtomic(chainFile, files.chain);
  }
  let keyPem = await readIfExists(keyFile);
  let chainPem = await readIfExists(chainFile);
  let generated = false;
  if (!keyPem || !chainPem || !usable(chainPem, opts.host, now)) {
    const created = await generateVerifierChain(opts.host, opts.country, now);
    keyPem = exportPrivateKeyPem(created.privateKey, opts.passphrase);
    chainPem = created.chainPem;
    await writeFileAtomic(keyFile, keyPem);
    await writeFileAtomic(chainFile, chainPem);
    generated = true;
  }
  if (opts.shared && (generated || !current)) {
    if (!(await opts.shared.put(SHARED_VERIFIER_KEYS_NAME, JSON.stringify({ key: keyPem, chain: chainPem }), current?.version ?? null, now.getTime()))) {
      // Another instance published first: take its certificate, so the client_id is the same everywhere.
      return loadOrCreateVerifierKeys({ ...opts });
    }
  }
  return { ...fromMaterial(parsePrivateKeyPem(keyPem, keyFile, opts.passphrase), chainPem, 'generated', chainFile), generated };
}

/** The generated chain is replaced when its leaf is about to expire or names another host. */
function usable(chainPem: string, host: string, now: Date): boolean {
  const [leaf] = pemCertificatesToDer(chainPem);
  if (!leaf) return false;
  const cert = new X509Certificate(leaf);
  return Date.parse(cert.validTo) - now.getTime() > 30 * DAY_MS && sanNames(cert).includes(host);
}

function fromMaterial(privateKey: KeyObject, chainPem: string, source: 'generated' | 'operator', label: string): VerifierKeyMaterial {
  const ders = pemCertificatesToDer(chainPem);
  if (ders.length === 0) throw new Error(`${label}: no certificate`);
  if (!isP256Key(privateKey)) throw new Error(`${label}: the verifier key must be an EC P-256 key (ES256, HAIP §7)`);
  const leaf = new X509Certificate(ders[0]);
  if (!leaf.checkPrivateKey(privateKey)) throw new Error(`${label}: the verifier key does not match the first certificate of the chain`);
  // The chain without a self-signed root: wallets anchor it themselves (HAIP §5).
  const chain = ders.filter((der, i) => i === 0 || !selfSigned(new X509Certificate(der)));
  const root = ders.find((der, i) => i > 0 && selfSigned(new X509Certificate(der)));
  return {
    privateKey,
    x5c: chain.map((d) => Buffer.from(d).toString('base64')),
    leafDer: ders[0],
    dnsNames: sanNames(leaf),
    x509Hash: createHash('sha256').update(ders[0]).digest('base64url'),
    source,
    ...(root ? { rootPem: derToPemCertificate(root) } : {}),
  };
}

function selfSigned(cert: X509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

/** dNSName and iPAddress SANs (Node prints them as "DNS:a, IP Address:b"). */
function sanNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(',')
    .map((s) => s.trim())
    .flatMap((s) => (s.startsWith('DNS:') ? [s.slice(4)] : s.startsWith('IP Address:') ? [s.slice(11)] : []));
}

async function generateVerifierChain(host: string, country: string, now: Date): Promise<{ privateKey: KeyObject; chainPem: string }> {
  const rootPair = generateP256KeyPair();
  const root = await createIacaRootCertificate({
    keyPair: rootPair,
    issuerName: `${host} Verifier`,
    country,
    notBefore: new Date(now.getTime() - BACKDATE_MS),
    notAfter: new Date(now.getTime() + ROOT_VALIDITY_MS),
  });
  const leafPair = generateP256KeyPair();
  const rootCert = new x509.X509Certificate(root.pem);
  const spki = new Uint8Array(leafPair.publicKey.export({ type: 'spki', format: 'der' }));
  const signingKey = await webcrypto.subtle.importKey('pkcs8', new Uint8Array(rootPair.privateKey.export({ type: 'pkcs8', format: 'der' })), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const rootSki = rootCert.getExtension(x509.SubjectKeyIdentifierExtension);
  const leaf = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumberHex(),
    subject: new x509.Name([{ C: [{ printableString: country }] }, { CN: [{ utf8String: `${host} Verifier` }] }]),
    issuer: rootCert.subjectName,
    notBefore: truncateToSeconds(new Date(now.getTime() - BACKDATE_MS)),
    notAfter: truncateToSeconds(new Date(now.getTime() + LEAF_VALIDITY_MS)),
    publicKey: spki,
    signingKey: signingKey as CryptoKey,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.SubjectAlternativeNameExtension([isIP(host) ? { type: 'ip', value: host } : { type: 'dns', value: host }]),
      rootSki ? new x509.AuthorityKeyIdentifierExtension(rootSki.keyId) : await x509.AuthorityKeyIdentifierExtension.create(rootCert.publicKey),
      await x509.SubjectKeyIdentifierExtension.create(spki),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
    ],
  });
  return { privateKey: leafPair.privateKey, chainPem: `${leaf.toString('pem')}\n${root.pem}` };
}

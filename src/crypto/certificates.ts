/**
 * Certificates for mdoc issuer authentication (ISO/IEC 18013-5 Annex B): a self-signed IACA-style
 * root and a document-signer (DS) certificate issued by it. Both are P-256 / ecdsa-with-SHA256.
 */
import {
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  webcrypto,
  X509Certificate as NodeX509Certificate,
  type KeyObject,
} from 'node:crypto';
import * as x509 from '@peculiar/x509';

// @peculiar/x509 signs through WebCrypto; Node's implementation is enough.
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** id-mdl-kp-mdlDS, the extended key usage of an mdoc document signer (ISO/IEC 18013-5 Annex B). */
export const ID_MDL_KP_MDL_DS = '1.0.18013.5.1.2';
/** ISO/IEC 18013-5 Annex B.1.4: a DS certificate is valid for at most 457 days. */
export const DS_MAX_VALIDITY_DAYS = 457;
export const DAY_MS = 24 * 60 * 60 * 1000;

const P256_ECDSA = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const ECDSA_SHA256 = { name: 'ECDSA', hash: 'SHA-256' } as const;

export interface KeyPair {
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface CreatedCertificate {
  pem: string;
  der: Uint8Array;
  serialNumber: string;
  notBefore: Date;
  notAfter: Date;
}

interface SubjectOptions {
  /** e.g. the host of the public URL. */
  issuerName: string;
  /** ISO 3166-1 alpha-2 country code ('UT' is the ISO/IEC 18013-5 test country). */
  country: string;
}

export interface RootCertificateOptions extends SubjectOptions {
  keyPair: KeyPair;
  notBefore: Date;
  notAfter: Date;
}

export interface DocumentSignerCertificateOptions extends SubjectOptions {
  /** Public key of the document signer. */
  publicKey: KeyObject;
  /** Private key of the root that issues the certificate. */
  rootPrivateKey: KeyObject;
  /** The issuing root certificate (PEM or DER). Its subject becomes the DS issuer, byte for byte. */
  rootCertificate: string | Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

export function generateP256KeyPair(): KeyPair {
  return generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
}

export function isP256Key(key: KeyObject): boolean {
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/**
 * A random positive serial number as hex: 16 bytes from the CSPRNG with the top bit cleared and
 * the next bit set, so the DER INTEGER is positive, exactly 16 octets and carries 126 random bits
 * (RFC 5280 §4.1.2.2, ISO/IEC 18013-5 Annex B: at least 63 bits, at most 20 octets).
 */
export function randomSerialNumberHex(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] & 0x3f) | 0x40;
  return bytes.toString('hex');
}

/** Certificate validity has second precision; drop the milliseconds so returned Dates match. */
export function truncateToSeconds(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 1000) * 1000);
}

function assertSubjectOptions(opts: SubjectOptions): void {
  if (!/^[A-Z]{2}$/.test(opts.country)) {
    throw new Error(`Issuer country must be an ISO 3166-1 alpha-2 code in upper case (e.g. 'UT'), got '${opts.country}'`);
  }
  if (opts.issuerName.trim() === '') throw new Error('Issuer name for certificate subjects must not be empty');
}

/**
 * A Name built from explicit string types. Plain strings given to @peculiar/x509's Name (even in
 * its JSON form) are parsed like RFC 4514 text: quotes, backslashes and a leading '#' change the
 * value. Typed values are stored as given.
 */
function subjectName(country: string, commonName: string): x509.Name {
  const printable = /^[A-Za-z0-9 '()+,\-./:=?]*$/.test(commonName);
  return new x509.Name([
    { C: [{ printableString: country }] },
    { CN: [printable ? { printableString: commonName } : { utf8String: commonName }] },
  ]);
}

export function rootSubjectCommonName(issuerName: string): string {
  return `${issuerName} IACA Root`;
}

export function documentSignerSubjectCommonName(issuerName: string): string {
  return `${issuerName} Document Signer`;
}

function spkiDer(key: KeyObject): Uint8Array<ArrayBuffer> {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return new Uint8Array(pub.export({ type: 'spki', format: 'der' }));
}

async function signingCryptoKey(privateKey: KeyObject): Promise<CryptoKey> {
  if (!isP256Key(privateKey)) throw new Error('Certificate signing key must be an EC P-256 key');
  const pkcs8 = new Uint8Array(privateKey.export({ type: 'pkcs8', format: 'der' }));
  return webcrypto.subtle.importKey('pkcs8', pkcs8, P256_ECDSA, false, ['sign']) as Promise<CryptoKey>;
}

function toCreated(cert: x509.X509Certificate): CreatedCertificate {
  return {
    pem: cert.toString('pem') + '\n',
    der: new Uint8Array(cert.rawData),
    serialNumber: cert.serialNumber,
    notBefore: cert.notBefore,
    notAfter: cert.notAfter,
  };
}

/**
 * Self-signed IACA-style root (ISO/IEC 18013-5 Annex B.1.2, without the optional-for-us
 * issuerAltName and CRL distribution point): basicConstraints critical cA pathLen 0, keyUsage
 * critical keyCertSign + cRLSign, subjectKeyIdentifier; subject = issuer = C, CN.
 */
export async function createIacaRootCertificate(opts: RootCertificateOptions): Promise<CreatedCertificate> {
  assertSubjectOptions(opts);
  const publicKey = spkiDer(opts.keyPair.publicKey);
  const name = subjectName(opts.country, rootSubjectCommonName(opts.issuerName));
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumberHex(),
    subject: name,
    issuer: name,
    notBefore: truncateToSeconds(opts.notBefore),
    notAfter: truncateToSeconds(opts.notAfter),
    publicKey,
    signingKey: await signingCryptoKey(opts.keyPair.privateKey),
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
    ],
  });
  return toCreated(cert);
}

/**
 * Document-signer certificate (ISO/IEC 18013-5 Annex B.1.4): keyUsage critical digitalSignature,
 * extKeyUsage critical id-mdl-kp-mdlDS, authorityKeyIdentifier = root SKI, subjectKeyIdentifier,
 * no basicConstraints; issuer = root subject; validity at most 457 days and within the root's.
 */
export async function createDocumentSignerCertificate(opts: DocumentSignerCertificateOptions): Promise<CreatedCertificate> {
  assertSubjectOptions(opts);
  const root = new x509.X509Certificate(
    typeof opts.rootCertificate === 'string' ? opts.rootCertificate : new Uint8Array(opts.rootCertificate),
  );
  const notBefore = truncateToSeconds(opts.notBefore);
  const notAfter = truncateToSeconds(opts.notAfter);
  if (notAfter.getTime() - notBefore.getTime() > DS_MAX_VALIDITY_DAYS * DAY_MS) {
    throw new Error(`Document-signer validity must not exceed ${DS_MAX_VALIDITY_DAYS} days (ISO/IEC 18013-5 Annex B)`);
  }
  if (notAfter.getTime() > root.notAfter.getTime()) {
    throw new Error(`Document-signer certificate would outlive its root (root expires ${root.notAfter.toISOString()})`);
  }
  const rootSki = root.getExtension(x509.SubjectKeyIdentifierExtension);
  const authorityKeyId = rootSki
    ? new x509.AuthorityKeyIdentifierExtension(rootSki.keyId)
    : await x509.AuthorityKeyIdentifierExtension.create(root.publicKey);
  const rootPrivateSpki = Buffer.from(spkiDer(opts.rootPrivateKey));
  if (!rootPrivateSpki.equals(Buffer.from(root.publicKey.rawData))) {
    throw new Error('Root private key does not match the root certificate');
  }
  const publicKey = spkiDer(opts.publicKey);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumberHex(),
    subject: subjectName(opts.country, documentSignerSubjectCommonName(opts.issuerName)),
    // The parsed Name keeps the root subject's exact encoding, so issuer matches it byte for byte.
    issuer: root.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: await signingCryptoKey(opts.rootPrivateKey),
    signingAlgorithm: ECDSA_SHA256,
    extensions: [
      authorityKeyId,
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([ID_MDL_KP_MDL_DS], true),
    ],
  });
  return toCreated(cert);
}

// ---- PEM helpers ---------------------------------------------------------------------------

const PEM_CERT_RE = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g;

/** The DER of every CERTIFICATE block in a PEM text, in order. */
export function pemCertificatesToDer(pem: string): Uint8Array[] {
  return [...pem.matchAll(PEM_CERT_RE)].map((m) => new Uint8Array(Buffer.from(m[1].replace(/\s+/g, ''), 'base64')));
}

export function derToPemCertificate(der: Uint8Array): string {
  const b64 = Buffer.from(der).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** notBefore / notAfter as Dates (Node 20's X509Certificate only offers them as text). */
export function certificateValidity(cert: NodeX509Certificate | Uint8Array): { notBefore: Date; notAfter: Date } {
  const parsed = new x509.X509Certificate(new Uint8Array(cert instanceof NodeX509Certificate ? cert.raw : cert));
  return { notBefore: parsed.notBefore, notAfter: parsed.notAfter };
}

/** True when the certificate names itself as issuer and its signature verifies with its own key. */
export function isSelfSigned(cert: NodeX509Certificate): boolean {
  try {
    return cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}

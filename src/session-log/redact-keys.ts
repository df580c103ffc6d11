/**
 * Private keys never reach the session log, not even a wallet's own: a broken wallet
 * that puts its private JWK in a proof or DPoP header, a did:jwk kid, or a request body would
 * otherwise have that key stored and shown on share links. Applied to every entry before it is
 * written. JWK private members are replaced, inside JSON, inside compact JWTs (header and
 * payload re-encoded: the signature no longer matches, which the log already explains) and
 * inside did:jwk identifiers. Everything else is returned as is (same object when untouched).
 */

/** RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2: members that make a JWK private. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const MARK = '<private key member removed>';
const JWT = /^[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;
const DID_JWK = /^did:jwk:([A-Za-z0-9_-]+)(.*)$/s;
const MAX_DEPTH = 12;

const isJwkWithSecrets = (o: Record<string, unknown>) => typeof o.kty === 'string' && PRIVATE_MEMBERS.some((m) => o[m] !== undefined);

export function redactPrivateKeys<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH) return value;
  if (typeof value === 'string') return redactString(value) as T;
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) {
    let changed = false;
    const out = value.map((v) => {
      const r = redactPrivateKeys(v, depth + 1);
      if (r !== v) changed = true;
      return r;
    });
    return (changed ? out : value) as T;
  }
  const record = value as Record<string, unknown>;
  let out: Record<string, unknown> | null = null;
  for (const [key, v] of Object.entries(record)) {
    const r = isJwkWithSecrets(record) && PRIVATE_MEMBERS.includes(key) ? MARK : redactPrivateKeys(v, depth + 1);
    if (r !== v) (out ??= { ...record })[key] = r;
  }
  return (out ?? value) as T;
}

function redactString(text: string): string {
  // Cheap tests first: most strings are neither a JWT nor a did:jwk.
  if (text.length < 16) return text;
  if (text.startsWith('did:jwk:')) return redactDidJwk(text);
  if (text.startsWith('eyJ') && JWT.test(text)) return redactJwt(text);
  // A DPoP or Authorization header value: "DPoP <token>" or a SD-JWT~KB: only the JWT shapes matter.
  return text;
}

function redactJwt(jwt: string): string {
  const [h, p, s] = jwt.split('.');
  const header = redactPart(h);
  const payload = redactPart(p);
  return header === h && payload === p ? jwt : `${header}.${payload}.${s}`;
}

function redactPart(part: string): string {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return part;
  }
  const redacted = redactPrivateKeys(decoded, 1);
  return redacted === decoded ? part : Buffer.from(JSON.stringify(redacted)).toString('base64url');
}

function redactDidJwk(did: string): string {
  const m = DID_JWK.exec(did);
  if (!m) return did;
  const part = redactPart(m[1]);
  return part === m[1] ? did : `did:jwk:${part}${m[2]}`;
}

import type { ClaimsPath, CredentialConfiguration, ValueEncoding } from './schema.js';

/**
 * Claims offered for a credential (admin API, or a configuration's sample claims) checked against
 * the configuration: shape per format, mandatory claims (OID4VCI 1.0 App. B.2), values of
 * CBOR-encoded mdoc elements, and claims the metadata does not declare (warnings only — users
 * add their own).
 *
 * Shape per format (see formats/types.ts): mso_mdoc `{namespace: {element: value}}`;
 * dc+sd-jwt the claim set; jwt_vc_json the credentialSubject members, so claims paths
 * `["credentialSubject", name, ...]` (OID4VCI 1.0 App. A.1.1) apply with their first element dropped.
 */

export interface ClaimsFinding {
  /** Concrete location inside the offered claims (array indices resolved where known). */
  path: (string | number | null)[];
  message: string;
}

export type ValidateClaimsResult =
  | { ok: true; claims: Record<string, unknown>; warnings: string[] }
  | { ok: false; problems: string[] };

/** Claims the issuer sets itself in an SD-JWT VC; an offer must not carry them (SD-JWT VC §3.2.2, RFC 9901 §4.2). */
const SD_JWT_ISSUER_CLAIMS = ['iss', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status', '_sd', '_sd_alg', '...'];

/**
 * Checks offered claims and returns them on success; unknown claims become warnings.
 * Problem strings read `claims.<path>: message`, e.g. `claims["eu.europa.ec.eudi.pid.1"].birth_date: ...`.
 */
export function validateClaims(configuration: CredentialConfiguration, claims: unknown): ValidateClaimsResult {
  const { problems, warnings } = checkClaims(configuration, claims);
  if (problems.length > 0) return { ok: false, problems: problems.map((f) => describeFinding('claims', f)) };
  return {
    ok: true,
    claims: claims as Record<string, unknown>,
    warnings: warnings.map((f) => describeFinding('claims', f)),
  };
}

/** The claims to issue: the offered ones, or a deep copy of the configuration's sample claims. */
export function resolveClaims(
  configuration: CredentialConfiguration,
  offeredClaims?: Record<string, unknown>,
): Record<string, unknown> {
  return offeredClaims ?? structuredClone(configuration.issuance.sample_claims);
}

/** The structured form of {@link validateClaims}: findings with their location. */
export function checkClaims(
  configuration: CredentialConfiguration,
  claims: unknown,
): { problems: ClaimsFinding[]; warnings: ClaimsFinding[] } {
  const problems: ClaimsFinding[] = [];
  const warnings: ClaimsFinding[] = [];
  if (!isPlainObject(claims)) {
    problems.push({ path: [], message: `must be a JSON object, got ${describeType(claims)}` });
    return { problems, warnings };
  }

  const described = claimDescriptions(configuration);

  if (configuration.format === 'mso_mdoc') {
    const known = new Set<string>(described.map((d) => d.path[0]).filter((c): c is string => typeof c === 'string'));
    if (known.size === 0) for (const ns of Object.keys(configuration.issuance.sample_claims)) known.add(ns);
    let malformed = false;
    for (const [ns, elements] of Object.entries(claims)) {
      if (!isPlainObject(elements)) {
        malformed = true;
        problems.push({
          path: [ns],
          message: `mso_mdoc claims are {namespace: {element: value}}; namespace "${ns}" must map to an object of data elements, got ${describeType(elements)}`,
        });
      } else if (!known.has(ns)) {
        problems.push({
          path: [ns],
          message: `namespace "${ns}" is not one of this configuration's namespaces (${[...known].map((n) => `"${n}"`).join(', ')})`,
        });
      }
    }
    // Element-level checks would only repeat "missing" for every element of a malformed namespace.
    if (malformed) return { problems, warnings };
  }

  if (configuration.format === 'dc+sd-jwt') {
    for (const name of SD_JWT_ISSUER_CLAIMS) {
      if (Object.hasOwn(claims, name)) {
        problems.push({ path: [name], message: `"${name}" is set by the issuer in an SD-JWT VC and cannot be offered as a claim` });
      }
    }
  }

  // Mandatory claims (OID4VCI 1.0 App. B.2: the issuer always includes them).
  const optionalPrefixes = new Set(described.filter((d) => !d.mandatory).map((d) => pathKey(d.path)));
  for (const d of described) {
    if (d.mandatory) checkMandatory(claims, d.path, 0, [], optionalPrefixes, problems);
  }

  // Values that must become a particular CBOR type (mdoc).
  for (const encoding of configuration.issuance.encodings) {
    checkEncoded(claims, encoding.path, 0, [], encoding.type, problems);
  }

  // Claims not described in credential_metadata.claims: allowed, but worth a warning.
  if (described.length > 0) {
    const tree = buildTree(described.map((d) => d.path));
    if (configuration.format === 'mso_mdoc') {
      for (const [ns, elements] of Object.entries(claims)) {
        const node = tree.children.get(ns);
        if (node) collectUnknown(elements, node, [ns], warnings);
      }
    } else {
      collectUnknown(claims, tree, [], warnings);
    }
  }

  return { problems, warnings };
}

/** `claims.a.b[0]["x.y"]: message` */
export function describeFinding(base: string, finding: ClaimsFinding): string {
  return `${formatJsonPath(base, finding.path)}: ${finding.message}`;
}

/** Appends path components to `base`: `.name`, `["odd.name"]`, `[3]`, `[*]` (null = every item). */
export function formatJsonPath(base: string, path: readonly (string | number | null)[]): string {
  let out = base;
  for (const c of path) {
    if (c === null) out += '[*]';
    else if (typeof c === 'number') out += `[${c}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(c)) out += `.${c}`;
    else out += `[${JSON.stringify(c)}]`;
  }
  return out;
}

/** Whether `value` is valid text for the CBOR type an mdoc element gets; returns the reason if not. */
export function checkEncodedValue(type: ValueEncoding, value: unknown): string | null {
  switch (type) {
    case 'full-date':
      return typeof value === 'string' && isFullDate(value)
        ? null
        : `must be a full-date "YYYY-MM-DD" that exists in the calendar (RFC 3339 / RFC 8943), got ${describeValue(value)}`;
    case 'tdate':
      return typeof value === 'string' && isDateTime(value)
        ? null
        : `must be an RFC 3339 date-time such as "2024-02-15T09:30:00Z" (CBOR tdate), got ${describeValue(value)}`;
    case 'uint':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
        ? null
        : `must be a non-negative integer (CBOR uint), got ${describeValue(value)}`;
    case 'bytes':
      return typeof value === 'string' && isBase64(value)
        ? null
        : `must be non-empty base64 or base64url text (becomes a CBOR bstr), got ${describeValue(value)}`;
  }
}

// ---- internals ------------------------------------------------------------------------------

interface Described {
  /** Path relative to the offered claims object. */
  path: ClaimsPath;
  mandatory: boolean;
}

/** Claims descriptions with paths made relative to the offered claims (jwt_vc_json: credentialSubject). */
function claimDescriptions(configuration: CredentialConfiguration): Described[] {
  const claims = configuration.credential_metadata?.claims ?? [];
  const out: Described[] = [];
  for (const c of claims) {
    let path = c.path;
    if (configuration.format === 'jwt_vc_json') {
      // Only credentialSubject members are offered; other paths describe issuer-set parts of the VC.
      if (path[0] !== 'credentialSubject' || path.length < 2) continue;
      path = path.slice(1);
    }
    out.push({ path, mandatory: c.mandatory === true });
  }
  return out;
}

function checkMandatory(
  value: unknown,
  path: ClaimsPath,
  i: number,
  at: (string | number | null)[],
  optionalPrefixes: ReadonlySet<string>,
  problems: ClaimsFinding[],
): void {
  if (i === path.length) return;
  const c = path[i];
  const missing = (what: string): void => {
    // A mandatory member of an optional, absent parent is not required (e.g. place_of_birth.country
    // when place_of_birth itself is declared optional and not offered).
    if (i < path.length - 1 && optionalPrefixes.has(pathKey(path.slice(0, i + 1)))) return;
    problems.push({ path: [...at, ...path.slice(i)], message: `mandatory claim ${what}` });
  };
  if (c === null) {
    if (!Array.isArray(value)) return void missing(`missing: expected an array here, got ${describeType(value)}`);
    value.forEach((item, n) => checkMandatory(item, path, i + 1, [...at, n], optionalPrefixes, problems));
  } else if (typeof c === 'number') {
    if (!Array.isArray(value) || c >= value.length) return void missing('missing');
    checkMandatory(value[c], path, i + 1, [...at, c], optionalPrefixes, problems);
  } else {
    if (!isPlainObject(value) || !Object.hasOwn(value, c)) return void missing('missing');
    checkMandatory(value[c], path, i + 1, [...at, c], optionalPrefixes, problems);
  }
}

function checkEncoded(
  value: unknown,
  path: ClaimsPath,
  i: number,
  at: (string | number | null)[],
  type: ValueEncoding,
  problems: ClaimsFinding[],
): void {
  if (i === path.length) {
    const reason = checkEncodedValue(type, value);
    if (reason) problems.push({ path: at, message: reason });
    return;
  }
  const c = path[i];
  if (c === null) {
    if (value === undefined) return;
    if (!Array.isArray(value)) {
      problems.push({ path: at, message: `must be an array, got ${describeType(value)}` });
      return;
    }
    value.forEach((item, n) => checkEncoded(item, path, i + 1, [...at, n], type, problems));
  } else if (typeof c === 'number') {
    if (Array.isArray(value) && c < value.length) checkEncoded(value[c], path, i + 1, [...at, c], type, problems);
  } else if (isPlainObject(value) && Object.hasOwn(value, c)) {
    checkEncoded(value[c], path, i + 1, [...at, c], type, problems);
  } else if (value !== undefined && !isPlainObject(value) && i > 0) {
    problems.push({ path: at, message: `must be an object (it has a member "${c}"), got ${describeType(value)}` });
  }
}

interface TreeNode {
  children: Map<string | number | null, TreeNode>;
}

function buildTree(paths: readonly ClaimsPath[]): TreeNode {
  const root: TreeNode = { children: new Map() };
  for (const path of paths) {
    let node = root;
    for (const c of path) {
      let next = node.children.get(c);
      if (!next) node.children.set(c, (next = { children: new Map() }));
      node = next;
    }
  }
  return root;
}

/** Members of objects whose declared children are listed, but which are not among them. */
function collectUnknown(value: unknown, node: TreeNode, at: (string | number | null)[], warnings: ClaimsFinding[]): void {
  if (node.children.size === 0) return; // a declared leaf covers everything below it
  if (isPlainObject(value)) {
    const names = [...node.children.keys()].filter((k): k is string => typeof k === 'string');
    if (names.length === 0) return;
    for (const [k, v] of Object.entries(value)) {
      const child = node.children.get(k);
      if (child) collectUnknown(v, child, [...at, k], warnings);
      else warnings.push({ path: [...at, k], message: 'not described in credential_metadata.claims; it will be issued as given' });
    }
  } else if (Array.isArray(value)) {
    const every = node.children.get(null);
    value.forEach((item, n) => {
      const child = node.children.get(n) ?? every;
      if (child) collectUnknown(item, child, [...at, n], warnings);
    });
  }
}

function pathKey(path: readonly (string | number | null)[]): string {
  return JSON.stringify(path);
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isFullDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1];
}

/** RFC 3339 date-time. The mdoc encoder normalises to whole seconds and `Z` (PID rulebook). */
function isDateTime(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(s);
  if (!m || !isFullDate(m[1])) return false;
  return Number(m[2]) <= 23 && Number(m[3]) <= 59 && Number(m[4]) <= 59 && !Number.isNaN(Date.parse(s));
}

function isBase64(s: string): boolean {
  if (s.length === 0) return false;
  // Standard or URL-safe alphabet (not mixed), optional correct padding.
  const body = s.replace(/={1,2}$/, '');
  if (!/^[A-Za-z0-9+/]*$/.test(body) && !/^[A-Za-z0-9_-]*$/.test(body)) return false;
  if (body.length % 4 === 1) return false;
  if (body.length !== s.length && s.length % 4 !== 0) return false;
  return true;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return describeType(value);
}

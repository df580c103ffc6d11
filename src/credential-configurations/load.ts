import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { z } from 'zod';
import { checkClaims, describeFinding, formatJsonPath, isPlainObject } from './claims.js';
import {
  zCredentialConfiguration,
  zCredentialConfigurationsFile,
  type ClaimsPath,
  type CredentialConfiguration,
  type CredentialConfigurationInput,
} from './schema.js';

/**
 * Loads config/credential-configurations.json: zod shape (schema.ts), aliases, then the semantic
 * rules zod cannot express. Every problem is collected, so one start of the server shows them all.
 */

export interface CredentialConfigurationSet {
  /** Aliases included, each with its own `id` (and the alias's scope). Values are deep-frozen. */
  byId: ReadonlyMap<string, CredentialConfiguration>;
  /** In file order, aliases included. */
  ids: string[];
  /** The wire form for issuer metadata: the configuration without the internal `issuance` block and without `id`. */
  published(id: string): Record<string, unknown>;
}

/** Absolute path of the shipped config/credential-configurations.json. */
export const defaultConfigurationsPath: string = fileURLToPath(
  new URL('../../config/credential-configurations.json', import.meta.url),
);

/** Thrown when the configurations cannot be used; `problems` lists every finding, one per line of `message`. */
export class CredentialConfigurationError extends Error {
  override readonly name = 'CredentialConfigurationError';
  readonly source: string;
  readonly problems: readonly string[];

  constructor(source: string, problems: readonly string[]) {
    const n = problems.length;
    super(
      `Invalid credential configurations (${source}): ${n} problem${n === 1 ? '' : 's'}\n` +
        problems.map((p) => `  - ${p}`).join('\n'),
    );
    this.source = source;
    this.problems = problems;
  }
}

export function loadCredentialConfigurations(path: string = defaultConfigurationsPath): CredentialConfigurationSet {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new CredentialConfigurationError(path, [`cannot read the file: ${(err as Error).message}`]);
  }
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new CredentialConfigurationError(path, [`not valid JSON: ${(err as Error).message}`]);
  }
  return loadCredentialConfigurationsFromObject(obj, path);
}

export function loadCredentialConfigurationsFromObject(obj: unknown, source = 'inline'): CredentialConfigurationSet {
  const problems: string[] = [];
  const entries = parseEntries(obj, problems);
  const rawEntries = isPlainObject(obj) && isPlainObject(obj.credential_configurations) ? obj.credential_configurations : {};

  if (isPlainObject(rawEntries) && Object.keys(rawEntries).length === 0 && problems.length === 0) {
    problems.push('credential_configurations: no credential configurations defined; the issuer would have nothing to offer');
  }

  const configurations = new Map<string, CredentialConfiguration>();
  for (const [id, entry] of entries) {
    if (isAliasEntry(entry)) continue;
    const configuration = { ...entry, id } as CredentialConfiguration;
    problems.push(...checkConfiguration(configuration));
    configurations.set(id, configuration);
  }

  const byId = new Map<string, CredentialConfiguration>();
  for (const [id, entry] of entries) {
    if (!isAliasEntry(entry)) {
      byId.set(id, configurations.get(id)!);
      continue;
    }
    const base = `credential_configurations.${id}`;
    const targetId = entry.alias_of;
    const target = entries.get(targetId);
    if (target === undefined) {
      // A target that exists but failed validation has its own problems listed already.
      if (!Object.hasOwn(rawEntries, targetId)) {
        problems.push(`${base}.alias_of: refers to unknown configuration "${targetId}"`);
      }
      continue;
    }
    if (isAliasEntry(target)) {
      problems.push(
        `${base}.alias_of: "${targetId}" is itself an alias (of "${target.alias_of}"); aliases must point to a configuration, not to another alias`,
      );
      continue;
    }
    if (entry.scope !== undefined) problems.push(...checkScope(base, entry.scope));
    const resolved = structuredClone(configurations.get(targetId)!);
    const scope = entry.scope ?? resolved.scope;
    byId.set(id, { ...resolved, id, ...(scope !== undefined ? { scope } : {}) });
  }

  if (problems.length > 0) throw new CredentialConfigurationError(source, problems);

  const ids = Object.freeze([...entries.keys()]) as string[];
  for (const c of byId.values()) deepFreeze(c);
  return {
    byId,
    ids,
    published(id: string): Record<string, unknown> {
      const configuration = byId.get(id);
      if (!configuration) throw new TypeError(`unknown credential configuration id "${id}"`);
      const { issuance: _issuance, id: _id, ...wire } = configuration;
      return withoutComments(structuredClone(wire)) as Record<string, unknown>;
    },
  };
}

// ---- zod shape ------------------------------------------------------------------------------

type AliasEntry = { alias_of: string; scope?: string };
type Entry = AliasEntry | CredentialConfigurationInput;
type Issue = z.ZodError['issues'][number];

function isAliasEntry(entry: unknown): entry is AliasEntry {
  return isPlainObject(entry) && Object.hasOwn(entry, 'alias_of');
}

/** Parses the file; on failure, still returns the entries that are valid so semantic checks run on them too. */
function parseEntries(obj: unknown, problems: string[]): Map<string, Entry> {
  const parsed = zCredentialConfigurationsFile.safeParse(obj);
  if (parsed.success) return new Map(Object.entries(parsed.data.credential_configurations));

  problems.push(...describeIssues(parsed.error.issues, obj, []));
  const entries = new Map<string, Entry>();
  if (!isPlainObject(obj) || !isPlainObject(obj.credential_configurations)) return entries;
  const failed = new Set(
    parsed.error.issues
      .filter((i) => i.path[0] === 'credential_configurations' && i.path.length >= 2)
      .map((i) => String(i.path[1])),
  );
  for (const [id, raw] of Object.entries(obj.credential_configurations)) {
    if (failed.has(id)) continue;
    if (isAliasEntry(raw)) entries.set(id, raw as AliasEntry);
    else entries.set(id, zCredentialConfiguration.parse(raw));
  }
  return entries;
}

function describeIssues(issues: readonly Issue[], root: unknown, prefix: PropertyKey[]): string[] {
  const out: string[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...issue.path];
    if (issue.code === 'invalid_union' && issue.errors.length > 0) {
      if (path.length === 2 && path[0] === 'credential_configurations') {
        // An entry is either an alias or a configuration: report against the one it was meant to be.
        const branch = isAliasEntry(valueAt(root, path)) ? 0 : 1;
        out.push(...describeIssues(issue.errors[branch] ?? [], root, path));
        continue;
      }
      out.push(`${describeIssuePath(path)}: ${describeUnion(issue, path)}`);
      continue;
    }
    out.push(`${describeIssuePath(path)}: ${describeIssue(issue, path, root)}`);
  }
  return out;
}

function describeIssue(issue: Issue, path: PropertyKey[], root: unknown): string {
  if (issue.code === 'invalid_union' && issue.discriminator === 'format') {
    const value = valueAt(root, path);
    const supported = ('options' in issue && Array.isArray(issue.options) ? issue.options : []).join(', ');
    return value === undefined
      ? `missing; a configuration needs a format (supported: ${supported})`
      : `unknown format ${JSON.stringify(value)} (supported: ${supported}; OID4VCI 1.0 App. A)`;
  }
  const n = path.length;
  if (
    issue.code === 'invalid_type' &&
    n >= 4 &&
    path[n - 2] === 'credential_signing_alg_values_supported' &&
    valueAt(root, [...path.slice(0, 2), 'format']) === 'mso_mdoc'
  ) {
    const value = valueAt(root, path);
    const cose = typeof value === 'string' ? COSE_ALGORITHMS[value] : undefined;
    return (
      `mso_mdoc signing algorithms are COSE algorithm integers, got ${JSON.stringify(value)}` +
      (cose !== undefined ? ` — use ${cose} for ${String(value)}` : ' (e.g. -7 for ES256)') +
      '; JOSE names are draft 15 and earlier (OID4VCI 1.0 §12.2.4, App. A.2)'
    );
  }
  return issue.message;
}

function describeUnion(issue: Issue & { code: 'invalid_union' }, path: PropertyKey[]): string {
  if (path.length >= 2 && path[path.length - 2] === 'path') {
    return 'claims path components are strings, non-negative integers or null (OID4VCI 1.0 App. C)';
  }
  const messages = [...new Set(issue.errors.flat().map((e) => e.message))];
  return `${issue.message}: ${messages.join(' | ')}`;
}

function describeIssuePath(path: readonly PropertyKey[]): string {
  const parts = path.map((p) => (typeof p === 'symbol' ? String(p) : p));
  if (parts.length === 0) return '(file)';
  if (parts[0] === 'credential_configurations' && parts.length >= 2) {
    return formatJsonPath(`credential_configurations.${String(parts[1])}`, parts.slice(2));
  }
  return formatJsonPath('', parts).replace(/^\./, '');
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = root;
  for (const p of path) {
    if (Array.isArray(value) && typeof p === 'number') value = value[p];
    else if (isPlainObject(value) && typeof p === 'string' && Object.hasOwn(value, p)) value = value[p];
    else return undefined;
  }
  return value;
}

const COSE_ALGORITHMS: Record<string, number> = {
  ES256: -7, ES384: -35, ES512: -36, EdDSA: -8, ESP256: -9, ESP384: -51, ESP512: -52, Ed25519: -19,
};

// ---- semantic checks ------------------------------------------------------------------------

function checkConfiguration(c: CredentialConfiguration): string[] {
  const base = `credential_configurations.${c.id}`;
  const problems: string[] = [];
  if (c.scope !== undefined) problems.push(...checkScope(base, c.scope));
  problems.push(...checkBinding(base, c));
  problems.push(...checkClaimsDescriptions(base, c));
  problems.push(...checkEncodings(base, c));
  problems.push(...checkAlwaysDisclosed(base, c));
  // Sample claims must be issuable as they stand: shape, mandatory claims, encoded values.
  const { problems: sampleProblems } = checkClaims(c, c.issuance.sample_claims);
  problems.push(...sampleProblems.map((f) => describeFinding(`${base}.issuance.sample_claims`, f)));
  return problems;
}

/** RFC 6749 §3.3 scope-token: no spaces, quotes or backslashes. */
function checkScope(base: string, scope: string): string[] {
  return /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)
    ? []
    : [`${base}.scope: ${JSON.stringify(scope)} is not a single scope token (RFC 6749 §3.3: no spaces, quotes or backslashes)`];
}

/** OID4VCI 1.0 §12.2.4: proof_types_supported MUST be present iff cryptographic_binding_methods_supported is. */
function checkBinding(base: string, c: CredentialConfiguration): string[] {
  const problems: string[] = [];
  const binding = c.cryptographic_binding_methods_supported;
  const proofTypes = c.proof_types_supported;
  if (binding !== undefined && binding.length === 0) {
    problems.push(`${base}.cryptographic_binding_methods_supported: empty; omit it when credentials are not key-bound (OID4VCI 1.0 §12.2.4)`);
  }
  if (proofTypes !== undefined && Object.keys(proofTypes).length === 0) {
    problems.push(`${base}.proof_types_supported: empty; omit it when credentials are not key-bound (OID4VCI 1.0 §12.2.4)`);
  }
  if (binding !== undefined && proofTypes === undefined) {
    problems.push(
      `${base}.proof_types_supported: missing; it MUST be present when cryptographic_binding_methods_supported is (OID4VCI 1.0 §12.2.4)`,
    );
  }
  if (proofTypes !== undefined && binding === undefined) {
    problems.push(
      `${base}.proof_types_supported: present without cryptographic_binding_methods_supported; both or neither (OID4VCI 1.0 §12.2.4)`,
    );
  }
  return problems;
}

/** App. B.3: no duplicate or contradictory paths; format-specific path shapes (App. C, A.1.1, A.2). */
function checkClaimsDescriptions(base: string, c: CredentialConfiguration): string[] {
  const problems: string[] = [];
  const claims = c.credential_metadata?.claims ?? [];
  const seen = new Map<string, number>();
  /** prefix -> [kind of the next component, index of the claim that said so] */
  const kinds = new Map<string, ['object' | 'array', number]>();
  claims.forEach((claim, index) => {
    const at = `${base}.credential_metadata.claims[${index}].path`;
    const key = JSON.stringify(claim.path);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`${at}: duplicate of claims[${first}].path ${key} (OID4VCI 1.0 App. B.3)`);
      return;
    }
    seen.set(key, index);

    for (let i = 0; i < claim.path.length; i++) {
      const prefix = JSON.stringify(claim.path.slice(0, i));
      const kind = typeof claim.path[i] === 'string' ? 'object' : 'array';
      const earlier = kinds.get(prefix);
      if (earlier === undefined) kinds.set(prefix, [kind, index]);
      else if (earlier[0] !== kind) {
        problems.push(
          `${at}: contradicts claims[${earlier[1]}].path — ${i === 0 ? 'the top level' : prefix} is addressed as an ${kind} here and as an ${earlier[0]} there (OID4VCI 1.0 App. B.3)`,
        );
        break;
      }
    }

    if (c.format === 'mso_mdoc' && (claim.path.length < 2 || typeof claim.path[0] !== 'string' || typeof claim.path[1] !== 'string')) {
      problems.push(`${at}: mso_mdoc claims paths start with a namespace and a data element identifier, got ${key} (OID4VCI 1.0 App. C)`);
    }
    if (
      c.format === 'jwt_vc_json' &&
      typeof claim.path[0] === 'string' &&
      claim.path[0] !== 'credentialSubject' &&
      Object.hasOwn(c.issuance.sample_claims, claim.path[0])
    ) {
      problems.push(
        `${at}: jwt_vc_json claims paths start at the credential; did you mean ${JSON.stringify(['credentialSubject', ...claim.path])}? (OID4VCI 1.0 App. A.1.1)`,
      );
    }
  });
  return problems;
}

function checkEncodings(base: string, c: CredentialConfiguration): string[] {
  const problems: string[] = [];
  const encodings = c.issuance.encodings;
  if (encodings.length === 0) return problems;
  if (c.format !== 'mso_mdoc') {
    return [`${base}.issuance.encodings: value encodings are CBOR types and apply to mso_mdoc only; remove them for ${c.format}`];
  }
  const declared = (c.credential_metadata?.claims ?? []).map((d) => d.path);
  const sampleNamespaces = new Set(Object.keys(c.issuance.sample_claims));
  const seen = new Map<string, number>();
  encodings.forEach((encoding, index) => {
    const at = `${base}.issuance.encodings[${index}].path`;
    const key = JSON.stringify(encoding.path);
    const first = seen.get(key);
    if (first !== undefined) {
      problems.push(`${at}: duplicate of encodings[${first}].path ${key}`);
      return;
    }
    seen.set(key, index);
    const [ns, element] = encoding.path;
    if (typeof ns !== 'string' || typeof element !== 'string') {
      problems.push(`${at}: must start with a namespace and a data element identifier, got ${key}`);
      return;
    }
    const refersToClaim = declared.some((d) => isPrefix(d, encoding.path) || isPrefix(encoding.path, d));
    if (!refersToClaim && !sampleNamespaces.has(ns)) {
      problems.push(
        `${at}: ${key} matches no claim in credential_metadata.claims and namespace "${ns}" is not in issuance.sample_claims`,
      );
    }
  });
  return problems;
}

function checkAlwaysDisclosed(base: string, c: CredentialConfiguration): string[] {
  const names = c.issuance.always_disclosed;
  if (names.length === 0) return [];
  if (c.format !== 'dc+sd-jwt') {
    return [`${base}.issuance.always_disclosed: selective disclosure applies to dc+sd-jwt only; remove it for ${c.format}`];
  }
  const declared = new Set((c.credential_metadata?.claims ?? []).map((d) => d.path[0]));
  return names.flatMap((name, index) =>
    declared.has(name) || Object.hasOwn(c.issuance.sample_claims, name)
      ? []
      : [`${base}.issuance.always_disclosed[${index}]: "${name}" is neither a top-level claim in credential_metadata.claims nor in issuance.sample_claims`],
  );
}

function isPrefix(prefix: ClaimsPath, path: ClaimsPath): boolean {
  return prefix.length <= path.length && prefix.every((c, i) => c === path[i]);
}

// ---- helpers --------------------------------------------------------------------------------

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** `$comment` members document the file and are never published. */
function withoutComments(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutComments);
  if (!isPlainObject(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (k !== '$comment') out[k] = withoutComments(v);
  return out;
}

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { describe, it } from 'node:test';
import { resolveClaims, validateClaims } from '../../src/credential-configurations/claims.js';
import {
  CredentialConfigurationError,
  defaultConfigurationsPath,
  loadCredentialConfigurations,
  loadCredentialConfigurationsFromObject,
} from '../../src/credential-configurations/load.js';

const PID_MDOC = 'eu.europa.ec.eudi.pid_mdoc';
const PID_ALIAS = 'eu.europa.ec.eudi.pid_mso_mdoc';
const PID_SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
const MDL = 'org.iso.18013.5.1.mDL';
const EMPLOYEE = 'org.example.employee_jwt_vc';
const PID_NS = 'eu.europa.ec.eudi.pid.1';
const MDL_NS = 'org.iso.18013.5.1';

type Json = Record<string, any>;

/** A fresh, mutable copy of the shipped file. */
function shippedFile(): { credential_configurations: Record<string, Json> } & Json {
  return JSON.parse(readFileSync(defaultConfigurationsPath, 'utf8'));
}

function get<T>(value: T | undefined): T {
  assert.ok(value !== undefined);
  return value;
}

/** Loads `file` expecting a CredentialConfigurationError; returns its problems. */
function problemsOf(file: unknown): readonly string[] {
  try {
    loadCredentialConfigurationsFromObject(file, 'test');
  } catch (err) {
    assert.ok(err instanceof CredentialConfigurationError, `expected CredentialConfigurationError, got ${String(err)}`);
    assert.equal(err.source, 'test');
    for (const p of err.problems) assert.ok(err.message.includes(p), 'message lists every problem');
    return err.problems;
  }
  assert.fail('expected the configurations to be rejected');
}

function assertOneProblemAt(problems: readonly string[], jsonPath: string): void {
  assert.equal(problems.length, 1, `expected exactly one problem, got:\n${problems.join('\n')}`);
  assert.ok(problems[0].startsWith(`${jsonPath}: `), `expected a problem at ${jsonPath}, got: ${problems[0]}`);
}

describe('shipped credential configurations', () => {
  const set = loadCredentialConfigurations(defaultConfigurationsPath);

  it('resolves the default path next to the sources', () => {
    assert.ok(isAbsolute(defaultConfigurationsPath));
    assert.match(defaultConfigurationsPath, /config[\\/]credential-configurations\.json$/);
  });

  it('loads the five configurations with their formats, doctypes and vct', () => {
    assert.deepEqual([...set.ids].sort(), [EMPLOYEE, PID_MDOC, PID_ALIAS, PID_SD_JWT, MDL].sort());
    assert.deepEqual([...set.byId.keys()], set.ids);

    const pid = get(set.byId.get(PID_MDOC));
    assert.equal(pid.format, 'mso_mdoc');
    assert.equal(pid.format === 'mso_mdoc' && pid.doctype, PID_NS);
    assert.deepEqual(pid.credential_signing_alg_values_supported, [-7]);

    const sdJwt = get(set.byId.get(PID_SD_JWT));
    assert.equal(sdJwt.format, 'dc+sd-jwt');
    assert.equal(sdJwt.format === 'dc+sd-jwt' && sdJwt.vct, 'urn:eudi:pid:1');

    const mdl = get(set.byId.get(MDL));
    assert.equal(mdl.format, 'mso_mdoc');
    assert.equal(mdl.format === 'mso_mdoc' && mdl.doctype, 'org.iso.18013.5.1.mDL');

    const employee = get(set.byId.get(EMPLOYEE));
    assert.equal(employee.format, 'jwt_vc_json');
    assert.deepEqual(employee.format === 'jwt_vc_json' && employee.credential_definition.type, [
      'VerifiableCredential',
      'EmployeeCredential',
    ]);
  });

  it('gives every configuration its own id, a scope (HAIP §4.1) and validity_days', () => {
    for (const id of set.ids) {
      const c = get(set.byId.get(id));
      assert.equal(c.id, id);
      assert.equal(c.scope, id);
      assert.ok(Number.isInteger(c.issuance.validity_days) && c.issuance.validity_days > 0);
      assert.equal(c.cryptographic_binding_methods_supported !== undefined, c.proof_types_supported !== undefined);
    }
  });

  it('publishes the alias with its own scope and the same doctype and claims', () => {
    const alias = get(set.byId.get(PID_ALIAS));
    const pid = get(set.byId.get(PID_MDOC));
    assert.equal(alias.id, PID_ALIAS);
    assert.equal(alias.scope, PID_ALIAS);
    assert.equal(pid.scope, PID_MDOC);
    assert.equal(alias.format, 'mso_mdoc');
    assert.equal(alias.format === 'mso_mdoc' && alias.doctype, PID_NS);
    const { scope: _a, ...aliasRest } = set.published(PID_ALIAS);
    const { scope: _p, ...pidRest } = set.published(PID_MDOC);
    assert.deepEqual(aliasRest, pidRest);
  });

  it('publishes the 1.0 shape: credential_metadata, no issuance, id or $comment', () => {
    for (const id of set.ids) {
      const wire = set.published(id);
      assert.equal('issuance' in wire, false, id);
      assert.equal('id' in wire, false, id);
      assert.equal(JSON.stringify(wire).includes('$comment'), false, id);
      assert.equal('display' in wire, false, `${id}: display belongs under credential_metadata`);
      assert.equal('claims' in wire, false, `${id}: claims belong under credential_metadata`);
      const metadata = wire.credential_metadata as Json;
      assert.ok(Array.isArray(metadata.display) && metadata.display.length > 0, id);
      assert.ok(Array.isArray(metadata.claims) && metadata.claims.length > 0, id);
    }
    const mdoc = set.published(PID_MDOC);
    assert.ok((mdoc.credential_signing_alg_values_supported as unknown[]).every((a) => typeof a === 'number'));
  });

  it('returns a copy from published() and refuses an unknown id', () => {
    const wire = set.published(PID_SD_JWT);
    wire.scope = 'changed';
    assert.equal(set.published(PID_SD_JWT).scope, PID_SD_JWT);
    assert.throws(() => set.published('nope'), TypeError);
  });

  it('accepts every sample claims set for its configuration, without warnings', () => {
    for (const id of set.ids) {
      const c = get(set.byId.get(id));
      const result = validateClaims(c, resolveClaims(c));
      assert.ok(result.ok, `${id}: ${result.ok ? '' : result.problems.join('; ')}`);
      assert.deepEqual(result.warnings, [], id);
    }
  });

  it('uses the SD-JWT claim names for the SD-JWT PID and the mdoc names for the mdoc PID', () => {
    const sd = get(set.byId.get(PID_SD_JWT)).issuance.sample_claims;
    for (const name of ['birthdate', 'nationalities', 'address', 'date_of_expiry', 'age_equal_or_over']) assert.ok(name in sd, name);
    const mdoc = get(set.byId.get(PID_MDOC)).issuance.sample_claims[PID_NS] as Json;
    for (const name of ['birth_date', 'nationality', 'resident_city', 'expiry_date', 'age_over_18']) assert.ok(name in mdoc, name);
  });

  it('ships a JPEG portrait for the mDL', () => {
    const portrait = (get(set.byId.get(MDL)).issuance.sample_claims[MDL_NS] as Json).portrait as string;
    const bytes = Buffer.from(portrait, 'base64');
    assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff]);
    assert.deepEqual([...bytes.subarray(-2)], [0xff, 0xd9]);
  });

  it('freezes the loaded configurations; resolveClaims returns a mutable deep copy', () => {
    const c = get(set.byId.get(MDL));
    assert.ok(Object.isFrozen(c.issuance.sample_claims));
    const claims = resolveClaims(c);
    (claims[MDL_NS] as Json).family_name = 'Changed';
    assert.equal((c.issuance.sample_claims[MDL_NS] as Json).family_name, 'Mustermann');
    const offered = { [MDL_NS]: { family_name: 'X' } };
    assert.equal(resolveClaims(c, offered), offered);
  });
});

describe('broken credential configurations fail at load', () => {
  it('rejects an unknown format', () => {
    const file = shippedFile();
    file.credential_configurations[EMPLOYEE].format = 'jwt_vc_json-ld';
    assertOneProblemAt(problemsOf(file), `credential_configurations.${EMPLOYEE}.format`);
  });

  it('rejects proof_types_supported without cryptographic_binding_methods_supported (OID4VCI 1.0 §12.2.4)', () => {
    const file = shippedFile();
    delete file.credential_configurations[PID_SD_JWT].cryptographic_binding_methods_supported;
    assertOneProblemAt(problemsOf(file), `credential_configurations.${PID_SD_JWT}.proof_types_supported`);
  });

  it('rejects cryptographic_binding_methods_supported without proof_types_supported', () => {
    const file = shippedFile();
    delete file.credential_configurations[MDL].proof_types_supported;
    assertOneProblemAt(problemsOf(file), `credential_configurations.${MDL}.proof_types_supported`);
  });

  it('rejects a duplicate claims path (OID4VCI 1.0 App. B.3)', () => {
    const file = shippedFile();
    file.credential_configurations[MDL].credential_metadata.claims.push({ path: [MDL_NS, 'portrait'] });
    const index = file.credential_configurations[MDL].credential_metadata.claims.length - 1;
    assertOneProblemAt(problemsOf(file), `credential_configurations.${MDL}.credential_metadata.claims[${index}].path`);
  });

  it('rejects contradictory claims paths (object member vs array item)', () => {
    const file = shippedFile();
    file.credential_configurations[MDL].credential_metadata.claims.push({ path: [MDL_NS, 'driving_privileges', 'codes'] });
    const index = file.credential_configurations[MDL].credential_metadata.claims.length - 1;
    assertOneProblemAt(problemsOf(file), `credential_configurations.${MDL}.credential_metadata.claims[${index}].path`);
  });

  it('rejects an alias of an unknown id', () => {
    const file = shippedFile();
    file.credential_configurations[PID_ALIAS].alias_of = 'eu.europa.ec.eudi.pid_nope';
    const problems = problemsOf(file);
    assertOneProblemAt(problems, `credential_configurations.${PID_ALIAS}.alias_of`);
    assert.match(problems[0], /eu\.europa\.ec\.eudi\.pid_nope/);
  });

  it('rejects an alias of an alias', () => {
    const file = shippedFile();
    file.credential_configurations['second.alias'] = { alias_of: PID_ALIAS, scope: 'second.alias' };
    assertOneProblemAt(problemsOf(file), 'credential_configurations.second.alias.alias_of');
  });

  it('rejects an mdoc signing algorithm given as a string (COSE integers since 1.0)', () => {
    const file = shippedFile();
    file.credential_configurations[PID_MDOC].credential_signing_alg_values_supported = ['ES256'];
    const problems = problemsOf(file);
    assertOneProblemAt(problems, `credential_configurations.${PID_MDOC}.credential_signing_alg_values_supported[0]`);
    assert.match(problems[0], /-7/);
  });

  it('rejects an encoding path that matches no claim and no sample namespace', () => {
    const file = shippedFile();
    file.credential_configurations[MDL].issuance.encodings.push({ path: ['org.example.ns', 'x'], type: 'uint' });
    const index = file.credential_configurations[MDL].issuance.encodings.length - 1;
    assertOneProblemAt(problemsOf(file), `credential_configurations.${MDL}.issuance.encodings[${index}].path`);
  });

  it('rejects mdoc sample claims that are not {namespace: {element: value}}', () => {
    const file = shippedFile();
    file.credential_configurations[MDL].issuance.sample_claims = { family_name: 'Mustermann' };
    assertOneProblemAt(problemsOf(file), `credential_configurations.${MDL}.issuance.sample_claims.family_name`);
  });

  it('rejects sample claims whose encoded values do not parse', () => {
    const file = shippedFile();
    file.credential_configurations[PID_MDOC].issuance.sample_claims[PID_NS].birth_date = '1984-02-30';
    assertOneProblemAt(
      problemsOf(file),
      `credential_configurations.${PID_MDOC}.issuance.sample_claims["${PID_NS}"].birth_date`,
    );
  });

  it('lists all problems of all configurations at once', () => {
    const file = shippedFile();
    file.credential_configurations[EMPLOYEE].format = 'ldp_vc';
    file.credential_configurations[PID_MDOC].credential_signing_alg_values_supported = ['ES256'];
    delete file.credential_configurations[PID_SD_JWT].proof_types_supported;
    file.unexpected = true;
    const problems = problemsOf(file);
    assert.equal(problems.length, 4, problems.join('\n'));
    for (const where of [EMPLOYEE, PID_MDOC, PID_SD_JWT]) {
      assert.ok(problems.some((p) => p.startsWith(`credential_configurations.${where}.`)), where);
    }
  });

  it('reports an unreadable file as a CredentialConfigurationError naming the file', () => {
    const path = '/nonexistent/credential-configurations.json';
    assert.throws(
      () => loadCredentialConfigurations(path),
      (err: unknown) => err instanceof CredentialConfigurationError && err.source === path && err.message.includes(path),
    );
  });
});

describe('validateClaims', () => {
  const set = loadCredentialConfigurations();
  const pid = get(set.byId.get(PID_MDOC));
  const mdl = get(set.byId.get(MDL));
  const sdJwt = get(set.byId.get(PID_SD_JWT));

  function problemsFor(result: ReturnType<typeof validateClaims>): string[] {
    assert.equal(result.ok, false);
    return result.ok ? [] : result.problems;
  }

  it('rejects a full-date that is not a calendar date', () => {
    const claims = resolveClaims(pid);
    (claims[PID_NS] as Json).birth_date = '1984-13-01';
    const problems = problemsFor(validateClaims(pid, claims));
    assert.equal(problems.length, 1);
    assert.ok(problems[0].startsWith(`claims["${PID_NS}"].birth_date: `), problems[0]);
  });

  it('rejects a bad full-date inside every array item (driving_privileges[*].issue_date)', () => {
    const claims = resolveClaims(mdl);
    (claims[MDL_NS] as Json).driving_privileges[1].issue_date = '15.07.2002';
    const problems = problemsFor(validateClaims(mdl, claims));
    assert.deepEqual(problems.map((p) => p.split(': ')[0]), [`claims["${MDL_NS}"].driving_privileges[1].issue_date`]);
  });

  it('rejects a missing mandatory claim', () => {
    const claims = resolveClaims(mdl);
    delete (claims[MDL_NS] as Json).un_distinguishing_sign;
    const problems = problemsFor(validateClaims(mdl, claims));
    assert.deepEqual(problems.map((p) => p.split(': ')[0]), [`claims["${MDL_NS}"].un_distinguishing_sign`]);
  });

  it('rejects a missing mandatory SD-JWT claim and an issuer-set claim', () => {
    const claims = resolveClaims(sdJwt);
    delete claims.birthdate;
    claims.vct = 'urn:example:other';
    const problems = problemsFor(validateClaims(sdJwt, claims));
    assert.deepEqual(problems.map((p) => p.split(': ')[0]).sort(), ['claims.birthdate', 'claims.vct']);
  });

  it('rejects uint, bytes and namespace problems', () => {
    const claims = resolveClaims(pid);
    (claims[PID_NS] as Json).age_in_years = -3;
    (claims[PID_NS] as Json).portrait = 'not base64!';
    claims['org.example.other'] = { x: 1 };
    const problems = problemsFor(validateClaims(pid, claims));
    assert.deepEqual(problems.map((p) => p.split(': ')[0]).sort(), [
      'claims["org.example.other"]',
      `claims["${PID_NS}"].age_in_years`,
      `claims["${PID_NS}"].portrait`,
    ].sort());
  });

  it('rejects claims that are not an object', () => {
    assert.equal(validateClaims(sdJwt, ['x']).ok, false);
    assert.equal(validateClaims(sdJwt, null).ok, false);
  });

  it('accepts unknown claims but warns about them', () => {
    const claims = resolveClaims(pid);
    (claims[PID_NS] as Json).favourite_colour = 'blue';
    const result = validateClaims(pid, claims);
    assert.ok(result.ok);
    assert.equal(result.claims, claims);
    assert.equal(result.warnings.length, 1);
    assert.ok(result.warnings[0].startsWith(`claims["${PID_NS}"].favourite_colour: `), result.warnings[0]);
  });

  it('checks jwt_vc_json claims as credentialSubject members', () => {
    const employee = get(set.byId.get(EMPLOYEE));
    const result = validateClaims(employee, { given_name: 'Max', family_name: 'Muster', employee_id: 'E-1', team: 'x' });
    assert.ok(result.ok);
    assert.deepEqual(result.warnings.map((w) => w.split(': ')[0]), ['claims.team']);
    const missing = problemsFor(validateClaims(employee, { given_name: 'Max', family_name: 'Muster' }));
    assert.deepEqual(missing.map((p) => p.split(': ')[0]), ['claims.employee_id']);
  });
});

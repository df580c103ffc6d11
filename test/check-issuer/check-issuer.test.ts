import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { startIssuer, type RunningIssuer } from '../helpers/server.js';

/** `npm run check-issuer` as a child process, against this issuer and a deliberately broken one. */
function runCheck(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/check-issuer/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

interface Report { issuer: string; findings: { id: string; severity: string; profile: string; spec_ref: string }[]; summary: { error: number } }
const ids = (r: Report, severity?: string) => r.findings.filter((f) => !severity || f.severity === severity).map((f) => f.id).sort();

describe('check-issuer against this issuer', () => {
  let issuer: RunningIssuer;
  before(async () => {
    issuer = await startIssuer();
  });
  after(async () => {
    await issuer.stop();
    issuer.cleanup();
  });

  it('no OID4VCI 1.0 or RFC 8414 errors; each HAIP finding matches what the AS metadata lacks', async () => {
    const run = await runCheck([issuer.baseUrl, '--json', '--allow-http']);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.issuer, issuer.baseUrl);
    assert.deepEqual(report.findings.filter((f) => f.profile !== 'HAIP 1.0' && f.severity === 'error'), []);
    assert.ok(ids(report, 'warning').includes('issuer.identifier.https'), 'http identifier downgraded to a warning by --allow-http');
    const as = (await (await fetch(`${issuer.baseUrl}/.well-known/oauth-authorization-server`)).json()) as Record<string, any>;
    const expectations: [string, boolean][] = [
      ['haip.par.missing', typeof as.pushed_authorization_request_endpoint !== 'string'],
      ['haip.pkce.s256', !(as.code_challenge_methods_supported ?? []).includes('S256')],
      ['haip.dpop.missing', as.dpop_signing_alg_values_supported === undefined],
      ['haip.iss_parameter', as.authorization_response_iss_parameter_supported !== true],
      ['haip.authorization_code.missing', !(as.grant_types_supported ?? ['authorization_code']).includes('authorization_code')],
      ['haip.anonymous_pre_auth', as['pre-authorized_grant_anonymous_access_supported'] === true],
      ['haip.scope.missing', false],
      ['haip.nonce_endpoint.missing', false],
    ];
    for (const [id, expected] of expectations) assert.equal(ids(report).includes(id), expected, id);
    assert.equal(run.code, report.summary.error > 0 ? 1 : 0);
  });

  it('without --allow-http the plain-http identifier is an error (OID4VCI 1.0 §12.2.1) and the exit code is 1; text output names rule and spec', async () => {
    const run = await runCheck([issuer.baseUrl, '--no-haip']);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /ERROR\s+issuer\.identifier\.https\s+\[OID4VCI 1\.0 §12\.2\.1\]/);
    // Every advertised endpoint is http too: each is its own error.
    assert.match(run.stdout, /ERROR\s+metadata\.credential_endpoint/);
    assert.match(run.stdout, /ERROR\s+metadata\.nonce_endpoint/);
    assert.match(run.stdout, /\d+ error\(s\), \d+ warning\(s\)/);
  });
});

describe('check-issuer against a broken metadata server on 127.0.0.1', () => {
  let server: Server;
  let origin: string;
  before(async () => {
    server = createServer((req, res) => {
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      // Issuer with a path, metadata only at the appended (draft) form, several 1.0 mistakes.
      if (req.url === '/tenant/.well-known/openid-credential-issuer') {
        return json({
          credential_issuer: `${origin}/tenant/`,
          authorization_server: `${origin}/tenant`,
          batch_credential_issuance: { batch_size: 1 },
          credential_request_encryption: { jwks: [{ kty: 'EC' }], enc_values_supported: ['A128GCM'], encryption_required: false },
          credential_configurations_supported: {
            pid_mdoc: { format: 'mso_mdoc', doctype: 'eu.europa.ec.eudi.pid.1', credential_signing_alg_values_supported: ['ES256'], proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES256'] } } },
            pid_sd: { format: 'vc+sd-jwt', scope: 'pid', cryptographic_binding_methods_supported: ['jwk'], proof_types_supported: { jwt: { proof_signing_alg_values_supported: ['ES384'] } },
              credential_metadata: { claims: [{ path: ['given_name'] }, { path: ['given_name'] }, { path: [] }] } },
          },
        });
      }
      if (req.url === '/.well-known/oauth-authorization-server/tenant') {
        return json({ issuer: `${origin}/tenant`, token_endpoint: `${origin}/tenant/token`, grant_types_supported: ['urn:ietf:params:oauth:grant-type:pre-authorized_code'], code_challenge_methods_supported: ['plain'] });
      }
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    origin = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('reports each mistake with its own finding and exits 1', async () => {
    const run = await runCheck([`${origin}/tenant`, '--json', '--allow-http']);
    assert.equal(run.code, 1, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.deepEqual(ids(report, 'error'), [
      'configuration.binding_and_proofs', // pid_mdoc: proof types without binding methods
      'configuration.format.legacy', // vc+sd-jwt
      'configuration.mdoc_algs', // "ES256" instead of -7
      'configuration.vct', // pid_sd has no vct
      'credential_metadata.claims.duplicate',
      'credential_metadata.claims.path',
      'haip.authorization_code.missing',
      'haip.authorization_endpoint.missing',
      'haip.dpop.missing',
      'haip.iss_parameter',
      'haip.nonce_endpoint.missing',
      'haip.par.missing',
      'haip.pkce.s256',
      'haip.proof_alg.es256',
      'haip.scope.missing', // pid_mdoc
      'metadata.batch_credential_issuance',
      'metadata.credential_endpoint',
      'metadata.credential_issuer.mismatch',
      'metadata.credential_request_encryption',
      'metadata.well_known.inserted',
    ].sort());
    assert.deepEqual(ids(report, 'warning'), ['haip.mdoc_alg', 'haip.pkce.plain', 'haip.wallet_attestation', 'issuer.identifier.https', 'metadata.legacy.authorization_server'].sort());
    const mismatch = report.findings.find((f) => f.id === 'metadata.credential_issuer.mismatch') as unknown as { message: string };
    assert.match(mismatch.message, /trailing slash/);
  });

  it('an unreachable issuer: metadata and AS metadata errors, exit 1', async () => {
    const run = await runCheck([`${origin}/nothing-here`, '--json', '--allow-http', '--no-haip']);
    assert.equal(run.code, 1);
    assert.deepEqual(ids(JSON.parse(run.stdout), 'error'), ['as.well_known', 'metadata.well_known.inserted']);
  });
});

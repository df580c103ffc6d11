/**
 * The reference wallet: `npm run wallet -- '<offer_url>' [options]`.
 * Completes issuance against any OID4VCI issuer, printing each step, storing keys and
 * credentials under --store, and decoding what it receives. Exit code 0 on success, 1 on failure.
 */
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import { setGlobalConfig } from '@openid4vc/utils';
import { describeError, runWallet } from './flow.js';
import { createReporter } from './report.js';
import { presentCredentials } from './present.js';
import { runPlan } from './plan.js';

const USAGE = `Usage: npm run wallet -- '<offer_url>' [options]
       npm run wallet -- present '<openid4vp_url>' [--store <dir>] [--insecure] [--json]
       npm run wallet -- plan '<run_url>' [--store <dir>] [--insecure] [--json] [--misbehave <mistake,...>]

  plan: every case of a test plan run (POST /test_plans/{id}/runs gives the run_url), unattended.
  --misbehave ignore-invalid-nonce,skip-tx-code,poll-fast   deliberate mistakes, to test the plans

  offer_url                  openid-credential-offer://?credential_offer=... or ?credential_offer_uri=...
  --tx-code <code>           transaction code (prompted on a TTY when the offer asks for one)
  --tx-code-stdin            read the transaction code from the first line of stdin (keeps it out of ps)
  --flow <grant>             pre-authorized_code | authorization_code (default: pre-authorized when offered)
  --configuration <id>       request only this configuration (repeatable; default: all offered)
  --store <dir>              where keys and credentials go (default ./wallet-data)
  --client-id <id>           client_id for the authorization code flow (default issuance-lab-reference-wallet)
  --redirect-port <port>     loopback port for the authorization response (default: any free port)
  --proof-key <form>         jwk | did:key | did:jwk: how proofs name the key (default jwk)
  --no-dpop                  never use DPoP (default: DPoP when the AS advertises ES256 for it)
  --insecure                 allow http:// issuers (local testing only; real wallets refuse them)
  --json                     print one JSON summary instead of the step log
  --help`;

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      'tx-code': { type: 'string' }, 'tx-code-stdin': { type: 'boolean', default: false }, flow: { type: 'string' }, configuration: { type: 'string', multiple: true },
      store: { type: 'string', default: './wallet-data' }, 'client-id': { type: 'string', default: 'issuance-lab-reference-wallet' },
      'redirect-port': { type: 'string', default: '0' }, 'proof-key': { type: 'string', default: 'jwk' },
      'no-dpop': { type: 'boolean', default: false }, insecure: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false }, misbehave: { type: 'string' }, 'authorization-timeout': { type: 'string', default: '300' }, help: { type: 'boolean', default: false },
    },
  });
  if (positionals[0] === 'present' && positionals.length === 2 && !values.help) {
    // OpenID4VP 1.0: present the stored credentials that match the request's DCQL query.
    if (values.insecure) setGlobalConfig({ allowInsecureUrls: true });
    const reporter = createReporter(values.json ? 'json' : 'text');
    const summary = await presentCredentials({ requestUrl: positionals[1], storeDir: resolve(values.store!), reporter });
    if (values.json) console.log(JSON.stringify({ ok: true, ...summary }, null, 2));
    else console.log(`\nDone: ${summary.presented.length} presentation(s) sent to ${summary.client_id}${summary.redirect_uri ? `; result: ${summary.redirect_uri}` : ''}`);
    return 0;
  }
  if (positionals[0] === 'plan' && positionals.length === 2 && !values.help) {
    if (values.insecure) setGlobalConfig({ allowInsecureUrls: true });
    const mistakes = new Set((values.misbehave ?? '').split(',').filter(Boolean));
    for (const m of mistakes) if (!['ignore-invalid-nonce', 'skip-tx-code', 'poll-fast'].includes(m)) throw new Error(`--misbehave ${m}: expected ignore-invalid-nonce, skip-tx-code or poll-fast`);
    const reporter = createReporter(values.json ? 'json' : 'text');
    const result = await runPlan({
      runUrl: positionals[1],
      storeDir: resolve(values.store!),
      reporter,
      insecure: values.insecure!,
      misbehave: { ignoreInvalidNonce: mistakes.has('ignore-invalid-nonce'), skipTxCode: mistakes.has('skip-tx-code'), pollFast: mistakes.has('poll-fast') },
      deferredPollLimit: 2,
    });
    if (values.json) console.log(JSON.stringify({ ok: true, ...result }, null, 2));
    else console.log(`\nDone: ${result.cases.filter((c) => c.ok).length} of ${result.cases.length} case(s) completed; the verdicts are on the run report`);
    return 0;
  }
  if (values.help || positionals.length !== 1) {
    console.error(USAGE);
    return values.help ? 0 : 2;
  }
  const flow = values.flow;
  if (flow !== undefined && flow !== 'pre-authorized_code' && flow !== 'authorization_code') throw new Error(`--flow ${flow}: expected pre-authorized_code or authorization_code`);
  const proofKey = values['proof-key'];
  if (proofKey !== 'jwk' && proofKey !== 'did:key' && proofKey !== 'did:jwk') throw new Error(`--proof-key ${proofKey}: expected jwk, did:key or did:jwk`);
  if (values.insecure) setGlobalConfig({ allowInsecureUrls: true });
  const reporter = createReporter(values.json ? 'json' : 'text');
  const summary = await runWallet({
    offer: positionals[0],
    storeDir: resolve(values.store!),
    reporter,
    txCode: values['tx-code'] ?? (values['tx-code-stdin'] ? await readFirstLine() : undefined),
    promptTxCode: process.stdin.isTTY ? promptTxCode : undefined,
    flow,
    configurationIds: values.configuration,
    clientId: values['client-id']!,
    redirectPort: Number(values['redirect-port']),
    // Printed on stderr as well as in the steps, so a script driving the browser part can pick it up.
    onAuthorizationUrl: (url) => {
      process.stderr.write(`AUTHORIZATION_URL ${url}\n`);
      if (!values.json) console.log(`\n    Open this URL in a browser to sign in and consent:\n    ${url}\n`);
    },
    authorizationTimeoutMs: Number(values['authorization-timeout']) * 1000,
    dpop: values['no-dpop'] ? 'off' : 'auto',
    proofKey,
    deferredPollLimit: 20,
  });
  if (values.json) console.log(JSON.stringify({ ok: true, ...summary }, null, 2));
  else console.log(`\nDone: ${summary.credentials.length} credential(s) stored under ${resolve(values.store!)}`);
  return 0;
}

/** The dashboard's "run the reference wallet" passes the tx_code this way rather than in argv. */
async function readFirstLine(): Promise<string> {
  const rl = createInterface({ input: process.stdin });
  try {
    for await (const line of rl) return line.trim();
    return '';
  } finally {
    rl.close();
  }
}

async function promptTxCode(txCode: { length?: number; input_mode?: string; description?: string }): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const hint = [txCode.description, txCode.length ? `${txCode.length} ${txCode.input_mode === 'text' ? 'characters' : 'digits'}` : undefined].filter(Boolean).join(', ');
    return (await rl.question(`Transaction code${hint ? ` (${hint})` : ''}: `)).trim();
  } finally {
    rl.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    const err = describeError(error);
    const json = process.argv.includes('--json');
    if (json) console.log(JSON.stringify({ ok: false, error: err.message }, null, 2));
    console.error(`reference wallet: ${err.message}`);
    process.exit(1);
  },
);

/**
 * npm run bench [-- --seconds 10 --levels 1,8,32 --config <id> --db sqlite|postgres --instances 1|2]
 *
 * Starts the real issuer (SQLite under a temp DATA_DIR, session logging as in production) and
 * drives complete pre-authorized flows from this process: offer (admin API) → token → nonce →
 * credential, each with a fresh P-256 holder key and a real proof. Prints flows/s and p50/p99
 * per endpoint for each concurrency level, the raw ES256 sign+verify rate measured in the same
 * run, and the ratio between them. Traffic goes to 127.0.0.1 only; every loop is time-bounded.
 *
 * --db postgres: a fresh database on the server at 127.0.0.1:5432 (dropped afterwards; embedded
 * PGlite if none answers, and the run says so), or DATABASE_URL when set.
 * --instances 2: two server processes on the same database and issuer identifier; the load
 * generator sends each request to the next instance in turn (round robin, no proxy), so one
 * flow's steps land on different instances as behind a load balancer.
 */
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { proofJwt, request as sendRequest } from './load-client.js';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.js';
import { freePort, startIssuer, type RunningIssuer } from '../test/helpers/server.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '10' },
    levels: { type: 'string', default: '1,8,32' },
    config: { type: 'string', default: 'eu.europa.ec.eudi.pid_vc_sd_jwt' },
    db: { type: 'string', default: 'sqlite' },
    instances: { type: 'string', default: '1' },
  },
});
const seconds = Number(args.seconds);
const levels = args.levels!.split(',').map(Number);
const configurationId = args.config!;

// One load generator is one client address: the per-address rate limit would measure itself.
const env: Record<string, string> = { LOG_LEVEL: 'warn', NONCE_TTL_SECONDS: '600', RATE_LIMIT_PER_MINUTE: '0' };
const instanceCount = Number(args.instances);
if (!Number.isInteger(instanceCount) || instanceCount < 1) throw new Error('--instances must be a positive integer');
let database: TestDatabase | undefined;
let databaseNote = `sqlite${instanceCount > 1 ? ' (one file shared by the processes)' : ''}`;
if (args.db === 'postgres') {
  if (process.env.DATABASE_URL) {
    env.DATABASE_URL = process.env.DATABASE_URL;
    databaseNote = 'postgres (DATABASE_URL)';
  } else {
    database = await createTestDatabase('bench');
    env.DATABASE_URL = database.url;
    databaseNote = `postgres: ${database.description}`;
  }
}

// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server side of a run.
const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean);
const firstPort = await freePort();
env.PUBLIC_URL = `http://localhost:${firstPort}`;
const issuers: RunningIssuer[] = [await startIssuer({ env, nodeArgs, port: firstPort })];
// Later instances: same identifier and database (and, for SQLite, the same DATA_DIR file).
for (let i = 1; i < instanceCount; i++) issuers.push(await startIssuer({ env, nodeArgs, dataDir: args.db === 'postgres' ? undefined : issuers[0].dataDir }));
const issuer = issuers[0];
const ports = issuers.map((i) => new URL(i.localUrl).port);
let nextInstance = 0;

type Endpoint = 'offer' | 'token' | 'nonce' | 'credential';
const endpoints: Endpoint[] = ['offer', 'token', 'nonce', 'credential'];

/** Requests go to the instances in turn (a load balancer without a proxy in between). */
function request(agent: http.Agent, method: string, path: string, headers: Record<string, string>, body?: string) {
  return sendRequest(agent, ports[nextInstance++ % ports.length], method, path, headers, body);
}

async function flow(agent: http.Agent, timings: Record<Endpoint, number[]>): Promise<void> {
  const adminHeaders = { authorization: `Bearer ${issuer.adminToken}`, 'content-type': 'application/json' };
  let t = performance.now();
  const offer = await request(agent, 'POST', '/credential_offers', adminHeaders, JSON.stringify({ credential_configuration_ids: [configurationId] }));
  if (offer.status !== 201) throw new Error(`offer ${offer.status} ${offer.body}`);
  timings.offer.push(performance.now() - t);
  const code = JSON.parse(offer.body).credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];

  t = performance.now();
  const form = `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:pre-authorized_code')}&pre-authorized_code=${encodeURIComponent(code)}`;
  const token = await request(agent, 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded' }, form);
  if (token.status !== 200) throw new Error(`token ${token.status} ${token.body}`);
  timings.token.push(performance.now() - t);
  const accessToken = JSON.parse(token.body).access_token;

  t = performance.now();
  const nonceRes = await request(agent, 'POST', '/nonce', {});
  if (nonceRes.status !== 200) throw new Error(`nonce ${nonceRes.status}`);
  timings.nonce.push(performance.now() - t);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const proof = proofJwt(privateKey, publicKey.export({ format: 'jwk' }), issuer.baseUrl, JSON.parse(nonceRes.body).c_nonce);
  t = performance.now();
  const cred = await request(
    agent,
    'POST',
    '/credential',
    { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
    JSON.stringify({ credential_configuration_id: configurationId, proofs: { jwt: [proof] } }),
  );
  if (cred.status !== 200) throw new Error(`credential ${cred.status} ${cred.body}`);
  timings.credential.push(performance.now() - t);
}

function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function runLevel(concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, noDelay: true } as http.AgentOptions);
  const timings: Record<Endpoint, number[]> = { offer: [], token: [], nonce: [], credential: [] };
  // Warm-up so JIT and caches do not count against the first level.
  for (let i = 0; i < Math.min(concurrency, 4); i++) await flow(agent, { offer: [], token: [], nonce: [], credential: [] });
  let flows = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          await flow(agent, timings);
          flows++;
        } catch (err) {
          errors++;
          if (errors <= 3) console.error(String(err).slice(0, 300));
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { concurrency, flows, errors, flowsPerSecond: flows / elapsed, timings };
}

/** Raw ES256 sign+verify pairs per second on this machine, in this run: the crypto ceiling. */
function measureEs256(ms = 2000): number {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const data = Buffer.alloc(600, 7);
  let n = 0;
  const end = performance.now() + ms;
  while (performance.now() < end) {
    const sig = createSign('sha256').update(data).sign({ key: privateKey, dsaEncoding: 'ieee-p1363' });
    if (!createVerify('sha256').update(data).verify({ key: publicKey, dsaEncoding: 'ieee-p1363' }, sig)) throw new Error('verify');
    n++;
  }
  return n / (ms / 1000);
}

try {
  console.log(`issuance-lab benchmark: ${configurationId}, ${databaseNote}, ${instanceCount} instance(s), ${seconds}s per level, load generator in the same machine`);
  const es256 = measureEs256();
  console.log(`raw ES256 sign+verify: ${es256.toFixed(0)} pairs/s (one core, node:crypto)`);
  const fmt = (v: number) => v.toFixed(2).padStart(8);
  for (const level of levels) {
    const r = await runLevel(level);
    console.log(`\n${level} concurrent wallets: ${r.flows} flows, ${r.errors} errors, ${r.flowsPerSecond.toFixed(0)} flows/s`);
    console.log(`  endpoint        p50 ms   p99 ms`);
    for (const e of endpoints) {
      const sorted = [...r.timings[e]].sort((a, b) => a - b);
      console.log(`  ${e.padEnd(12)} ${fmt(percentile(sorted, 50))} ${fmt(percentile(sorted, 99))}`);
    }
    console.log(`  flows/s ÷ ES256 sign+verify pairs/s = ${(r.flowsPerSecond / es256).toFixed(3)}`);
  }
} finally {
  for (const i of issuers) {
    await i.stop();
    if (process.env.BENCH_SHOW_SERVER_OUTPUT) console.log(i.output());
  }
  // SQLite instances share the first one's DATA_DIR.
  for (const i of args.db === 'postgres' ? issuers : issuers.slice(0, 1)) i.cleanup();
  await database?.drop();
}

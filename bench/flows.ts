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
 * --floor: afterwards, the same levels against bench/floor-issuer.ts — the same framework and
 * the flow's unavoidable cryptography, nothing else — so the run also shows what this machine
 * and this load generator allow at all, and the issuer's figures as a share of it.
 */
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
    floor: { type: 'boolean', default: false },
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
let issuers: RunningIssuer[] = [await startIssuer({ env, nodeArgs, port: firstPort })];
// Later instances: same identifier and database (and, for SQLite, the same DATA_DIR file).
for (let i = 1; i < instanceCount; i++) issuers.push(await startIssuer({ env, nodeArgs, dataDir: args.db === 'postgres' ? undefined : issuers[0].dataDir }));
let issuer = issuers[0];
let ports = issuers.map((i) => new URL(i.localUrl).port);
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

/**
 * CPU seconds a process has used (user + system, all threads), from /proc. Wall-clock figures
 * on a shared VM move with what the neighbours do; CPU per flow is the figure to compare runs by.
 */
function processCpuSeconds(pid: number, thread?: number): number {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const fields = readFileSync(thread ? `/proc/${pid}/task/${thread}/stat` : `/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** All threads of the server processes, and their main threads alone (the event loops: the serial part). */
function serverCpuSeconds(): { all: number; eventLoop: number } {
  const running = issuers.filter((i) => i.process.exitCode === null && i.process.signalCode === null);
  return {
    all: running.reduce((sum, i) => sum + processCpuSeconds(i.process.pid!), 0),
    eventLoop: running.reduce((sum, i) => sum + processCpuSeconds(i.process.pid!, i.process.pid!), 0),
  };
}

async function runLevel(concurrency: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, noDelay: true } as http.AgentOptions);
  const timings: Record<Endpoint, number[]> = { offer: [], token: [], nonce: [], credential: [] };
  // Warm-up so JIT and caches do not count against the first level.
  for (let i = 0; i < Math.min(concurrency, 4); i++) await flow(agent, { offer: [], token: [], nonce: [], credential: [] });
  let flows = 0;
  let errors = 0;
  const serverCpuBefore = serverCpuSeconds();
  const clientCpuBefore = process.cpuUsage();
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
  const serverCpuAfter = serverCpuSeconds();
  const serverCpu = serverCpuAfter.all - serverCpuBefore.all;
  const eventLoopCpu = serverCpuAfter.eventLoop - serverCpuBefore.eventLoop;
  const clientUsage = process.cpuUsage(clientCpuBefore);
  const clientCpu = (clientUsage.user + clientUsage.system) / 1e6;
  agent.destroy();
  return { concurrency, flows, errors, flowsPerSecond: flows / elapsed, timings, serverCpu, eventLoopCpu, clientCpu, elapsed };
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

function report(r: Awaited<ReturnType<typeof runLevel>>, es256: number) {
  const fmt = (v: number) => v.toFixed(2).padStart(8);
  console.log(`\n${r.concurrency} concurrent wallets: ${r.flows} flows, ${r.errors} errors, ${r.flowsPerSecond.toFixed(0)} flows/s`);
  console.log(`  endpoint        p50 ms   p99 ms`);
  for (const e of endpoints) {
    const sorted = [...r.timings[e]].sort((a, b) => a - b);
    console.log(`  ${e.padEnd(12)} ${fmt(percentile(sorted, 50))} ${fmt(percentile(sorted, 99))}`);
  }
  console.log(`  flows/s ÷ ES256 sign+verify pairs/s = ${(r.flowsPerSecond / es256).toFixed(3)}`);
  const perFlow = (cpu: number) => (r.flows ? (1000 * cpu) / r.flows : NaN).toFixed(2);
  console.log(
    `  CPU per flow: server ${perFlow(r.serverCpu)} ms (${((100 * r.serverCpu) / r.elapsed).toFixed(0)}% of a core; ` +
      `its event loop ${perFlow(r.eventLoopCpu)} ms, ${((100 * r.eventLoopCpu) / r.elapsed).toFixed(0)}%), ` +
      `load generator ${perFlow(r.clientCpu)} ms (${((100 * r.clientCpu) / r.elapsed).toFixed(0)}% of a core)`,
  );
}

try {
  console.log(`issuance-lab benchmark: ${configurationId}, ${databaseNote}, ${instanceCount} instance(s), ${seconds}s per level, load generator in the same machine`);
  const es256 = measureEs256();
  console.log(`raw ES256 sign+verify: ${es256.toFixed(0)} pairs/s (one core, node:crypto)`);
  const results = [];
  for (const level of levels) {
    const r = await runLevel(level);
    results.push(r);
    report(r, es256);
  }
  if (args.floor) {
    for (const i of issuers) await i.stop();
    const floorPort = await freePort();
    const floor = await startIssuer({ entry: 'bench/floor-issuer.ts', port: floorPort, env: { PUBLIC_URL: `http://localhost:${floorPort}` } });
    issuers = [floor, ...issuers];
    issuer = floor;
    ports = [String(floorPort)];
    console.log(`\n--- floor: bench/floor-issuer.ts (Fastify, proof verify + one ES256 signature; no storage, logs or checks) ---`);
    for (const [n, level] of levels.entries()) {
      const r = await runLevel(level);
      report(r, es256);
      console.log(`  issuance-lab reached ${((100 * results[n].flowsPerSecond) / r.flowsPerSecond).toFixed(0)}% of the floor's flows/s at this level`);
    }
  }
} finally {
  for (const i of issuers) {
    await i.stop();
    if (process.env.BENCH_SHOW_SERVER_OUTPUT) console.log(i.output());
  }
  // SQLite instances share the first one's DATA_DIR: each directory goes once.
  const removed = new Set<string>();
  for (const i of issuers) {
    if (removed.has(i.dataDir)) continue;
    removed.add(i.dataDir);
    i.cleanup();
  }
  await database?.drop();
}

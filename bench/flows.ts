/**
 * npm run bench [-- --seconds 8 --levels 1,8,32 --setups sqlite:1,postgres:1,postgres:2 --config <id> --no-floor]
 *
 * Starts the real issuer and drives complete pre-authorized flows from this process: offer
 * (admin API) → token → nonce → credential, each with a fresh P-256 holder key and a real
 * proof, every default on (durable storage, one session log entry per request, a status list
 * entry, the self-check of every credential). For each setup (database and number of server
 * processes) and each concurrency level it prints flows/s, p50/p99 per endpoint and the CPU
 * each side used per flow; then the same levels against the floor issuer, and one table of the
 * issuer against the floor. Traffic goes to 127.0.0.1 only; every loop is time-bounded.
 *
 * Setups: `sqlite:1` (a file under a temp DATA_DIR), `sqlite:2` (two processes on that file),
 * `postgres:1`, `postgres:2` (a fresh database on the server at 127.0.0.1:5432, dropped
 * afterwards; embedded PGlite if none answers, and the run says so; DATABASE_URL when set). With
 * two processes the load generator sends each request to the next one in turn (round robin, no
 * proxy), so one flow's steps land on different processes as behind a load balancer.
 *
 * The floor (bench/floor-issuer.ts) answers the same four requests with the same framework and
 * the flow's unavoidable cryptography, nothing else; it runs before and after the issuer's
 * setups and the ratios use the mean of the two, so drift of a shared machine during the run
 * shows up in the two floor figures instead of in the ratios.
 *
 * CPU is read from /proc: the server processes (all threads, and their main threads = event
 * loops), this process (the load generator), and for PostgreSQL the backends serving this
 * run's database (plus the server's background processes, shared with anything else on it),
 * and the transactions PostgreSQL counted for the database (pg_stat_database.xact_commit: every
 * statement run outside a transaction counts as one, reads included).
 */
import { createSign, createVerify, generateKeyPairSync } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { createTestDatabase, type TestDatabase } from '../test/helpers/postgres.js';
import { freePort, startIssuer, type RunningIssuer } from '../test/helpers/server.js';
import { proofJwt, request as sendRequest } from './load-client.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '8' },
    levels: { type: 'string', default: '1,8,32' },
    setups: { type: 'string', default: 'sqlite:1,postgres:1,postgres:2' },
    config: { type: 'string', default: 'eu.europa.ec.eudi.pid_vc_sd_jwt' },
    'no-floor': { type: 'boolean', default: false },
    // Earlier spellings, kept: --db postgres --instances 2 is the setup postgres:2; --floor is the default now.
    db: { type: 'string' },
    instances: { type: 'string' },
    floor: { type: 'boolean' },
  },
});
const seconds = Number(args.seconds);
const levels = args.levels!.split(',').map(Number);
const configurationId = args.config!;
const setupSpecs = args.db || args.instances ? [`${args.db ?? 'sqlite'}:${args.instances ?? '1'}`] : args.setups!.split(',');
const withFloor = !args['no-floor'];

interface Setup { db: 'sqlite' | 'postgres'; instances: number; label: string }
const setups: Setup[] = setupSpecs.map((spec) => {
  const [db, n = '1'] = spec.split(':');
  const instances = Number(n);
  if ((db !== 'sqlite' && db !== 'postgres') || !Number.isInteger(instances) || instances < 1) throw new Error(`--setups: "${spec}" is not sqlite:N or postgres:N`);
  return { db, instances, label: `${db === 'sqlite' ? 'SQLite' : 'PostgreSQL'}${instances > 1 ? ` × ${instances}` : ''}` };
});

// BENCH_SERVER_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the server side of a run.
const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean);

type Endpoint = 'offer' | 'token' | 'nonce' | 'credential';
const endpoints: Endpoint[] = ['offer', 'token', 'nonce', 'credential'];

/** What one level of load runs against: processes to measure, ports to send to, the admin token. */
interface Target {
  issuers: RunningIssuer[];
  ports: string[];
  adminToken: string;
  issuerId: string;
  postgres?: { url: string; database: string };
  next: number;
}

function request(target: Target, agent: http.Agent, method: string, path: string, headers: Record<string, string>, body?: string) {
  // Requests go to the instances in turn (a load balancer without a proxy in between).
  return sendRequest(agent, target.ports[target.next++ % target.ports.length], method, path, headers, body);
}

async function flow(target: Target, agent: http.Agent, timings: Record<Endpoint, number[]>): Promise<void> {
  const adminHeaders = { authorization: `Bearer ${target.adminToken}`, 'content-type': 'application/json' };
  let t = performance.now();
  const offer = await request(target, agent, 'POST', '/credential_offers', adminHeaders, JSON.stringify({ credential_configuration_ids: [configurationId] }));
  if (offer.status !== 201) throw new Error(`offer ${offer.status} ${offer.body}`);
  timings.offer.push(performance.now() - t);
  const code = JSON.parse(offer.body).credential_offer.grants['urn:ietf:params:oauth:grant-type:pre-authorized_code']['pre-authorized_code'];

  t = performance.now();
  const form = `grant_type=${encodeURIComponent('urn:ietf:params:oauth:grant-type:pre-authorized_code')}&pre-authorized_code=${encodeURIComponent(code)}`;
  const token = await request(target, agent, 'POST', '/token', { 'content-type': 'application/x-www-form-urlencoded' }, form);
  if (token.status !== 200) throw new Error(`token ${token.status} ${token.body}`);
  timings.token.push(performance.now() - t);
  const accessToken = JSON.parse(token.body).access_token;

  t = performance.now();
  const nonceRes = await request(target, agent, 'POST', '/nonce', {});
  if (nonceRes.status !== 200) throw new Error(`nonce ${nonceRes.status}`);
  timings.nonce.push(performance.now() - t);

  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const proof = proofJwt(privateKey, publicKey.export({ format: 'jwk' }), target.issuerId, JSON.parse(nonceRes.body).c_nonce);
  t = performance.now();
  const cred = await request(
    target,
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

/** utime + stime (+ reaped children's, when asked) of a process or one of its threads, in seconds. */
function procCpuSeconds(path: string, withChildren = false): number {
  try {
    // Fields after the command name (which may hold spaces): utime, stime, cutime, cstime are the 12th to 15th.
    const f = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + (withChildren ? Number(f[13]) + Number(f[14]) : 0)) / 100;
  } catch {
    return NaN;
  }
}

/** CPU seconds per thread of the server processes, by "pid/tid". */
function threadCpuSeconds(issuers: RunningIssuer[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const i of issuers) {
    const pid = i.process.pid;
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const tid of tids) out.set(`${pid}/${tid}`, procCpuSeconds(`/proc/${pid}/task/${tid}/stat`));
  }
  return out;
}

/** All threads of the server processes, and their main threads alone (the event loops: the serial part). */
function serverCpuSeconds(issuers: RunningIssuer[]): { all: number; eventLoop: number } {
  const running = issuers.filter((i) => i.process.exitCode === null && i.process.signalCode === null);
  return {
    all: running.reduce((sum, i) => sum + procCpuSeconds(`/proc/${i.process.pid}/stat`), 0),
    eventLoop: running.reduce((sum, i) => sum + procCpuSeconds(`/proc/${i.process.pid}/task/${i.process.pid}/stat`), 0),
  };
}

/**
 * CPU of the PostgreSQL server's processes on this machine, by pid: the backends connected to
 * `database` (their command line names it: `ours`), and the server's own processes (postmaster,
 * checkpointer, WAL writer, autovacuum, … — they serve every database on the server, so what
 * else runs there counts too). Undefined when no local server process is visible (embedded
 * PGlite runs inside this process).
 */
function postgresCpuSeconds(database: string): Map<string, { cpu: number; ours: boolean }> | undefined {
  const out = new Map<string, { cpu: number; ours: boolean }>();
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    let cmdline: string;
    try {
      if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() !== 'postgres') continue;
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      continue;
    }
    const ours = cmdline.includes(` ${database} `);
    // Backends of other databases (someone else's connections) are not this run's.
    if (!ours && /postgres: .* \S+ \S+ (127\.|\[local\]|::1)/.test(cmdline)) continue;
    out.set(pid, { cpu: procCpuSeconds(`/proc/${pid}/stat`), ours });
  }
  return out.size ? out : undefined;
}

/** CPU used between two readings, by processes alive at the second (one that started in between counts from zero). */
function postgresCpuDelta(before: ReturnType<typeof postgresCpuSeconds>, after: ReturnType<typeof postgresCpuSeconds>): { backends: number; background: number } {
  if (!before || !after) return { backends: NaN, background: NaN };
  let backends = 0;
  let background = 0;
  for (const [pid, { cpu, ours }] of after) {
    const used = cpu - (before.get(pid)?.cpu ?? 0);
    if (ours) backends += used;
    else background += used;
  }
  return { backends, background };
}

async function postgresCommits(target: Target): Promise<number> {
  if (!target.postgres) return NaN;
  const client = new pg.Client({ connectionString: target.postgres.url });
  await client.connect();
  try {
    // The statistics collector reports with a delay; a snapshot is taken fresh for each read.
    await client.query('select pg_stat_clear_snapshot()');
    const r = await client.query('select xact_commit from pg_stat_database where datname = current_database()');
    return Number(r.rows[0].xact_commit);
  } finally {
    await client.end();
  }
}

interface LevelResult {
  concurrency: number;
  flows: number;
  errors: number;
  flowsPerSecond: number;
  timings: Record<Endpoint, number[]>;
  serverCpu: number;
  eventLoopCpu: number;
  clientCpu: number;
  postgresBackendCpu: number;
  postgresBackgroundCpu: number;
  commits: number;
  elapsed: number;
  /** CPU seconds of the server's threads other than the event loops, busiest first. */
  otherThreads: number[];
}

async function runLevel(target: Target, concurrency: number): Promise<LevelResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, noDelay: true } as http.AgentOptions);
  const timings: Record<Endpoint, number[]> = { offer: [], token: [], nonce: [], credential: [] };
  // Warm-up so JIT and caches do not count against the first level.
  for (let i = 0; i < Math.min(concurrency, 4); i++) await flow(target, agent, { offer: [], token: [], nonce: [], credential: [] });
  let flows = 0;
  let errors = 0;
  const commitsBefore = await postgresCommits(target);
  const pgBefore = target.postgres ? postgresCpuSeconds(target.postgres.database) : undefined;
  const serverCpuBefore = serverCpuSeconds(target.issuers);
  const threadsBefore = threadCpuSeconds(target.issuers);
  const clientCpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          await flow(target, agent, timings);
          flows++;
        } catch (err) {
          errors++;
          if (errors <= 3) console.error(String(err).slice(0, 300));
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const serverCpuAfter = serverCpuSeconds(target.issuers);
  const threadsAfter = threadCpuSeconds(target.issuers);
  const clientUsage = process.cpuUsage(clientCpuBefore);
  const pgAfter = target.postgres ? postgresCpuSeconds(target.postgres.database) : undefined;
  const commitsAfter = await postgresCommits(target);
  agent.destroy();
  return {
    concurrency, flows, errors, flowsPerSecond: flows / elapsed, timings, elapsed,
    serverCpu: serverCpuAfter.all - serverCpuBefore.all,
    eventLoopCpu: serverCpuAfter.eventLoop - serverCpuBefore.eventLoop,
    clientCpu: (clientUsage.user + clientUsage.system) / 1e6,
    postgresBackendCpu: postgresCpuDelta(pgBefore, pgAfter).backends,
    postgresBackgroundCpu: postgresCpuDelta(pgBefore, pgAfter).background,
    // Requests finished inside the window; the stats are read a moment after it, so the count is close, not exact.
    commits: commitsAfter - commitsBefore,
    otherThreads: [...threadsAfter]
      .filter(([id]) => !target.issuers.some((i) => id === `${i.process.pid}/${i.process.pid}`))
      .map(([id, cpu]) => cpu - (threadsBefore.get(id) ?? 0))
      .filter((cpu) => cpu > 0)
      .sort((a, b) => b - a),
  };
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

const perFlow = (cpu: number, flows: number) => (flows ? (1000 * cpu) / flows : NaN);
const p99 = (r: LevelResult, e: Endpoint) => percentile([...r.timings[e]].sort((a, b) => a - b), 99);

function report(title: string, r: LevelResult, es256: number) {
  const fmt = (v: number) => v.toFixed(2).padStart(8);
  console.log(`\n${title}, ${r.concurrency} concurrent wallets: ${r.flows} flows, ${r.errors} errors, ${r.flowsPerSecond.toFixed(0)} flows/s`);
  console.log(`  endpoint        p50 ms   p99 ms`);
  for (const e of endpoints) {
    const sorted = [...r.timings[e]].sort((a, b) => a - b);
    console.log(`  ${e.padEnd(12)} ${fmt(percentile(sorted, 50))} ${fmt(percentile(sorted, 99))}`);
  }
  console.log(`  flows/s ÷ ES256 sign+verify pairs/s = ${(r.flowsPerSecond / es256).toFixed(3)}`);
  const ms = (cpu: number) => perFlow(cpu, r.flows).toFixed(2);
  console.log(
    `  CPU per flow: server ${ms(r.serverCpu)} ms (${((100 * r.serverCpu) / r.elapsed).toFixed(0)}% of a core; ` +
      `its event loop ${ms(r.eventLoopCpu)} ms, ${((100 * r.eventLoopCpu) / r.elapsed).toFixed(0)}%), ` +
      `load generator ${ms(r.clientCpu)} ms (${((100 * r.clientCpu) / r.elapsed).toFixed(0)}% of a core)`,
  );
  // Worker threads (self-check, WAL checkpoints), libuv's pool (signatures, hashing) and V8's helpers (GC, compiler).
  if (r.otherThreads.length) console.log(`  other server threads, busiest first, CPU per flow ms: ${r.otherThreads.slice(0, 6).map((c) => ms(c)).join(', ')}`);
  if (!Number.isNaN(r.postgresBackendCpu)) {
    console.log(`  PostgreSQL server CPU per flow: ${ms(r.postgresBackendCpu)} ms in this database's backends, ${ms(r.postgresBackgroundCpu)} ms in its shared background processes`);
  }
  if (!Number.isNaN(r.commits)) console.log(`  PostgreSQL transactions (xact_commit; a statement outside a transaction counts as one): ${(r.commits / (r.flows * endpoints.length)).toFixed(2)} per request`);
}

async function startSetup(setup: Setup): Promise<{ target: Target; database?: TestDatabase; note: string }> {
  // One load generator is one client address: the per-address rate limit would measure itself.
  const env: Record<string, string> = { LOG_LEVEL: 'warn', NONCE_TTL_SECONDS: '600', RATE_LIMIT_PER_MINUTE: '0' };
  let database: TestDatabase | undefined;
  let note = `SQLite${setup.instances > 1 ? ' (one file shared by the processes)' : ''}`;
  let postgres: Target['postgres'];
  if (setup.db === 'postgres') {
    if (process.env.DATABASE_URL) {
      env.DATABASE_URL = process.env.DATABASE_URL;
      note = 'PostgreSQL (DATABASE_URL)';
    } else {
      database = await createTestDatabase('bench');
      env.DATABASE_URL = database.url;
      note = `PostgreSQL: ${database.description}`;
    }
    postgres = { url: env.DATABASE_URL, database: new URL(env.DATABASE_URL).pathname.slice(1) };
  }
  const firstPort = await freePort();
  env.PUBLIC_URL = `http://localhost:${firstPort}`;
  const issuers = [await startIssuer({ env, nodeArgs, port: firstPort })];
  // Later instances: same identifier and database (and, for SQLite, the same DATA_DIR file).
  for (let i = 1; i < setup.instances; i++) issuers.push(await startIssuer({ env, nodeArgs, dataDir: setup.db === 'postgres' ? undefined : issuers[0].dataDir }));
  const target: Target = { issuers, ports: issuers.map((i) => new URL(i.localUrl).port), adminToken: issuers[0].adminToken, issuerId: issuers[0].baseUrl, postgres, next: 0 };
  return { target, database, note };
}

async function stopSetup(target: Target, database?: TestDatabase) {
  for (const i of target.issuers) {
    await i.stop();
    if (process.env.BENCH_SHOW_SERVER_OUTPUT) console.log(i.output());
  }
  // SQLite instances share the first one's DATA_DIR: each directory goes once.
  for (const dir of new Set(target.issuers.map((i) => i.dataDir))) target.issuers.find((i) => i.dataDir === dir)!.cleanup();
  await database?.drop();
}

async function runFloor(es256: number, when: string): Promise<LevelResult[]> {
  const port = await freePort();
  const floor = await startIssuer({ entry: 'bench/floor-issuer.ts', port, env: { PUBLIC_URL: `http://localhost:${port}` } });
  const target: Target = { issuers: [floor], ports: [String(port)], adminToken: floor.adminToken, issuerId: floor.baseUrl, next: 0 };
  console.log(`\n--- floor (${when}): bench/floor-issuer.ts — Fastify, proof verify + one ES256 signature; no storage, logs or checks ---`);
  const results: LevelResult[] = [];
  try {
    for (const level of levels) {
      const r = await runLevel(target, level);
      report('floor', r, es256);
      results.push(r);
    }
  } finally {
    await stopSetup(target);
  }
  return results;
}

const fixed = (v: number, d = 2) => (Number.isFinite(v) ? v.toFixed(d) : '–');

/** The issuer against the floor: one row per setup and level, markdown. */
function summary(rows: { setup: Setup; r: LevelResult }[], floors: LevelResult[][]) {
  const floorAt = (level: number) => {
    const at = floors.map((f) => f[levels.indexOf(level)]);
    const mean = (f: (r: LevelResult) => number) => at.reduce((s, r) => s + f(r), 0) / at.length;
    return { flowsPerSecond: mean((r) => r.flowsPerSecond), cpu: mean((r) => perFlow(r.serverCpu, r.flows)), p99: mean((r) => p99(r, 'credential')), each: at };
  };
  console.log('\n=== issuance-lab against the floor (ratios to the mean of the floor runs before and after) ===\n');
  console.log('| setup | wallets | flows/s | ÷ floor | server CPU/flow ms (event loop) | ÷ floor | credential p99 ms | ÷ floor | load gen CPU/flow ms | PostgreSQL CPU/flow ms (shared bg) | PostgreSQL transactions/request |');
  console.log('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const { setup, r } of rows) {
    const f = floorAt(r.concurrency);
    const cpu = perFlow(r.serverCpu, r.flows);
    console.log(
      `| ${setup.label} | ${r.concurrency} | ${r.flowsPerSecond.toFixed(0)} | ${fixed(r.flowsPerSecond / f.flowsPerSecond)} | ${fixed(cpu)} (${fixed(perFlow(r.eventLoopCpu, r.flows))}) | ${fixed(cpu / f.cpu, 1)}× | ` +
        `${fixed(p99(r, 'credential'), 1)} | ${fixed(p99(r, 'credential') / f.p99, 1)}× | ${fixed(perFlow(r.clientCpu, r.flows))} | ` +
        `${fixed(perFlow(r.postgresBackendCpu, r.flows))} (${fixed(perFlow(r.postgresBackgroundCpu, r.flows))}) | ${fixed(r.commits / (r.flows * endpoints.length))} |`,
    );
  }
  for (const level of levels) {
    const f = floorAt(level);
    console.log(
      `| floor | ${level} | ${f.each.map((r) => r.flowsPerSecond.toFixed(0)).join(' / ')} | | ${f.each.map((r) => fixed(perFlow(r.serverCpu, r.flows))).join(' / ')} | | ` +
        `${f.each.map((r) => fixed(p99(r, 'credential'), 1)).join(' / ')} | | ${f.each.map((r) => fixed(perFlow(r.clientCpu, r.flows))).join(' / ')} | | |`,
    );
  }
  const sqlite = rows.filter((x) => x.setup.db === 'sqlite' && x.setup.instances === 1);
  for (const { setup, r } of rows.filter((x) => x.setup.db === 'postgres')) {
    const base = sqlite.find((s) => s.r.concurrency === r.concurrency);
    if (!base) continue;
    console.log(`${setup.label}, ${r.concurrency} wallets: issuer CPU per flow ${fixed(perFlow(r.serverCpu, r.flows) / perFlow(base.r.serverCpu, base.r.flows))}× SQLite's in this run`);
  }
}

const floors: LevelResult[][] = [];
const rows: { setup: Setup; r: LevelResult }[] = [];
console.log(`issuance-lab benchmark: ${configurationId}; setups ${setups.map((s) => s.label).join(', ')}; ${levels.join('/')} wallets, ${seconds}s per level; load generator on the same machine`);
const es256 = measureEs256();
console.log(`raw ES256 sign+verify: ${es256.toFixed(0)} pairs/s (one core, node:crypto)`);
if (withFloor) floors.push(await runFloor(es256, 'before'));
for (const setup of setups) {
  const { target, database, note } = await startSetup(setup);
  console.log(`\n--- ${setup.label}: ${note}, ${setup.instances} process(es) ---`);
  try {
    for (const level of levels) {
      const r = await runLevel(target, level);
      report(setup.label, r, es256);
      rows.push({ setup, r });
    }
  } finally {
    await stopSetup(target, database);
  }
}
if (withFloor) {
  floors.push(await runFloor(es256, 'after'));
  summary(rows, floors);
}

/**
 * npm run bench:startup [-- --runs 7]
 *
 * Start-up of the server process as shipped (`node dist/main.js`, built first with
 * `npm run build`) against the same sources run through tsx (`tsx src/main.ts`): the time
 * from spawning the process to the first 200 from GET /readyz, and the resident set size
 * (VmRSS) at that moment. Each entry starts `--runs` times on a data directory initialised
 * once beforehand (keys and database exist, as on every start but the first), alternating
 * the two entries so that load from elsewhere on the machine spreads over both. Prints every
 * run and the median. Traffic goes to 127.0.0.1 only.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort } from '../test/helpers/server.js';

const { values: args } = parseArgs({ options: { runs: { type: 'string', default: '7' } } });
const runs = Number(args.runs);
if (!existsSync('dist/main.js')) {
  console.error('dist/main.js is missing: npm run build first');
  process.exit(2);
}

const entries = [
  { name: 'tsx src/main.ts', args: ['--import', 'tsx', 'src/main.ts'] },
  { name: 'node dist/main.js', args: ['dist/main.js'] },
];

interface Sample {
  ms: number;
  /** CPU time (user + system) of the server process until ready: less sensitive to other load than wall-clock. */
  cpuMs: number;
  rssMiB: number;
}

async function startOnce(nodeArgs: string[], dataDir: string): Promise<Sample> {
  const port = await freePort();
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, nodeArgs, {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, ADMIN_TOKEN: 'bench-admin-token-0123456789', LOG_LEVEL: 'silent', PURGE_INTERVAL_SECONDS: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
      const ok = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.status === 200, () => false);
      if (ok) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
    // /proc/<pid>/stat fields 14 and 15 (utime, stime) in clock ticks (100 per second on Linux).
    const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpuMs = (Number(fields[11]) + Number(fields[12])) * 10;
    return { ms, cpuMs, rssMiB: rssKiB / 1024 };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const dataDir = mkdtempSync(join(tmpdir(), 'issuance-lab-startup-'));
try {
  await startOnce(entries[1].args, dataDir); // first start: keys, token, database
  const samples = new Map<string, Sample[]>(entries.map((e) => [e.name, []]));
  for (let i = 0; i < runs; i++) {
    for (const e of entries) {
      const s = await startOnce(e.args, dataDir);
      samples.get(e.name)!.push(s);
      console.log(`run ${i + 1} ${e.name.padEnd(18)} ${s.ms.toFixed(0).padStart(5)} ms to /readyz 200, CPU ${s.cpuMs.toFixed(0).padStart(5)} ms, RSS ${s.rssMiB.toFixed(1)} MiB`);
    }
  }
  console.log(`\nnode ${process.version}, ${runs} runs each, median:`);
  const base = median(samples.get(entries[0].name)!.map((s) => s.ms));
  const baseCpu = median(samples.get(entries[0].name)!.map((s) => s.cpuMs));
  for (const e of entries) {
    const xs = samples.get(e.name)!;
    const ms = median(xs.map((s) => s.ms));
    const cpu = median(xs.map((s) => s.cpuMs));
    console.log(
      `${e.name.padEnd(18)} ${ms.toFixed(0).padStart(5)} ms to ready (${(ms / base).toFixed(2)}× tsx), CPU ${cpu.toFixed(0)} ms (${(cpu / baseCpu).toFixed(2)}× tsx), RSS ${median(xs.map((s) => s.rssMiB)).toFixed(1)} MiB`,
    );
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}

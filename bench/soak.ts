/**
 * npm run soak [-- --seconds 180 --concurrency 32 --sample 5 --warmup 20 --viewers 0]
 *
 * Soak test: the real issuer (SQLite under a temp DATA_DIR, session logging on) under
 * the benchmark's top concurrency for a few minutes. Each wallet loops over complete
 * pre-authorized flows (offer → token → nonce → credential, fresh P-256 key and real proof per
 * flow) across the shipped formats; one flow in ten also sends hostile requests (a garbage
 * proof, a JSON bomb, a DPoP header with a private key) that must be refused with a 4xx. Every
 * few seconds the server's RSS (/proc/<pid>/status) and V8 heap (its /metrics) are sampled.
 * Prints the samples, the error count and a verdict: memory is flat when, after warm-up, the
 * median RSS of the last third of the samples is within 10% or 16 MiB of the first third's, and
 * the heap floor (lowest heap-in-use sample of a third: what survives GC) within 25% or 16 MiB.
 * Also prints how fast RSS still grows per third. Exits non-zero on any error or growth. Traffic goes to 127.0.0.1 only; the run is
 * bounded by --seconds. --viewers N keeps N live views open meanwhile (signed in: the unbound
 * requests stream, which every nonce request reaches, and the sessions list stream, alternately),
 * so the live-view machinery runs under the same load and its memory is judged with the rest.
 */
import { generateKeyPairSync } from 'node:crypto';
import { proofJwt, request as sendRequest } from './load-client.js';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { startIssuer } from '../test/helpers/server.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '180' },
    concurrency: { type: 'string', default: '32' },
    sample: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '30' },
    viewers: { type: 'string', default: '0' },
  },
});
const seconds = Number(args.seconds);
const concurrency = Number(args.concurrency);
const sampleSeconds = Number(args.sample);
const warmupSeconds = Number(args.warmup);
const viewerCount = Number(args.viewers);
const CONFIGS = ['eu.europa.ec.eudi.pid_vc_sd_jwt', 'eu.europa.ec.eudi.pid_mdoc', 'org.iso.18013.5.1.mDL'];
const GRANT = 'urn:ietf:params:oauth:grant-type:pre-authorized_code';

// One load generator is one client address: the per-address rate limit would measure itself.
// SOAK_SERVER_NODE_ARGS="--heapsnapshot-signal=SIGUSR2 --diagnostic-dir=/tmp/snap" lets you take heap snapshots (kill -USR2 <pid>).
const issuer = await startIssuer({
  env: { LOG_LEVEL: 'warn', NONCE_TTL_SECONDS: '600', RATE_LIMIT_PER_MINUTE: '0' },
  nodeArgs: process.env.SOAK_SERVER_NODE_ARGS?.split(' ').filter(Boolean),
});
const port = new URL(issuer.localUrl).port;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency, noDelay: true } as http.AgentOptions);

function request(method: string, path: string, headers: Record<string, string>, body?: string) {
  return sendRequest(agent, port, method, path, headers, body);
}

const b64url = (v: string | Buffer) => Buffer.from(v).toString('base64url');

const stats = { flows: 0, errors: 0, refusals: 0, firstErrors: [] as string[] };
function error(what: string) {
  stats.errors++;
  if (stats.firstErrors.length < 5) stats.firstErrors.push(what.slice(0, 300));
}

async function flow(n: number): Promise<void> {
  const config = CONFIGS[n % CONFIGS.length];
  const admin = { authorization: `Bearer ${issuer.adminToken}`, 'content-type': 'application/json' };
  const offer = await request('POST', '/credential_offers', admin, JSON.stringify({ credential_configuration_ids: [config] }));
  if (offer.status !== 201) return error(`offer ${offer.status} ${offer.body}`);
  const code = JSON.parse(offer.body).credential_offer.grants[GRANT]['pre-authorized_code'];
  const token = await request('POST', '/token', { 'content-type': 'application/x-www-form-urlencoded' }, `grant_type=${encodeURIComponent(GRANT)}&pre-authorized_code=${encodeURIComponent(code)}`);
  if (token.status !== 200) return error(`token ${token.status} ${token.body}`);
  const bearer = { authorization: `Bearer ${JSON.parse(token.body).access_token}`, 'content-type': 'application/json' };
  if (n % 10 === 0) await hostile(bearer, config);
  const nonce = await request('POST', '/nonce', {});
  if (nonce.status !== 200) return error(`nonce ${nonce.status}`);
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const proof = proofJwt(privateKey, publicKey.export({ format: 'jwk' }), issuer.baseUrl, JSON.parse(nonce.body).c_nonce);
  const cred = await request('POST', '/credential', bearer, JSON.stringify({ credential_configuration_id: config, proofs: { jwt: [proof] } }));
  if (cred.status !== 200) return error(`credential ${cred.status} ${cred.body}`);
  stats.flows++;
}

/** Refusals that must stay 4xx under load: a garbage proof, a JSON bomb, a private key in DPoP. */
async function hostile(bearer: Record<string, string>, config: string): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const leaky = `${b64url(JSON.stringify({ typ: 'dpop+jwt', alg: 'ES256', jwk: privateKey.export({ format: 'jwk' }) }))}.${b64url('{}')}.AAAA`;
  const cases = [
    request('POST', '/credential', bearer, JSON.stringify({ credential_configuration_id: config, proofs: { jwt: ['not.a.jwt'] } })),
    request('POST', '/credential', bearer, '['.repeat(50_000) + ']'.repeat(50_000)),
    request('POST', '/token', { 'content-type': 'application/x-www-form-urlencoded', dpop: leaky }, `grant_type=${encodeURIComponent(GRANT)}&pre-authorized_code=x`),
  ];
  for (const res of await Promise.all(cases)) {
    if (res.status >= 400 && res.status < 500) stats.refusals++;
    else error(`hostile request answered ${res.status} ${res.body}`);
  }
}

interface Sample { t: number; rssMiB: number; heapMiB: number; heapTotalMiB: number; externalMiB: number; flows: number; errors: number }
const samples: Sample[] = [];
const mib = (bytes: number) => bytes / 1024 / 1024;
async function sample(t: number): Promise<void> {
  const status = readFileSync(`/proc/${issuer.process.pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? NaN);
  const metrics = await request('GET', '/metrics', { authorization: `Bearer ${issuer.adminToken}` });
  const metric = (name: string) => mib(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(metrics.body)?.[1] ?? NaN));
  const s = {
    t,
    rssMiB: rssKb / 1024,
    heapMiB: metric('nodejs_heap_size_used_bytes'),
    heapTotalMiB: metric('nodejs_heap_size_total_bytes'),
    externalMiB: metric('nodejs_external_memory_bytes'),
    flows: stats.flows,
    errors: stats.errors,
  };
  samples.push(s);
  const prev = samples.length > 1 ? samples[samples.length - 2] : { t: 0, flows: 0 };
  const rate = (s.flows - prev.flows) / Math.max(s.t - prev.t, 1);
  console.log(`${String(t).padStart(5)} s  rss ${s.rssMiB.toFixed(1).padStart(7)} MiB  heap ${s.heapMiB.toFixed(1).padStart(6)} / ${s.heapTotalMiB.toFixed(1).padStart(6)} MiB  external ${s.externalMiB.toFixed(1).padStart(5)} MiB  flows ${String(s.flows).padStart(7)}  ${rate.toFixed(0).padStart(4)}/s  errors ${s.errors}`);
}

/** N dashboard live views, read to the end; how many are still open and what they received. */
async function openViewers(count: number) {
  const abort = new AbortController();
  let bytes = 0;
  let open = 0;
  if (count > 0) {
    const signIn = await fetch(`${issuer.localUrl}/ui/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: issuer.adminToken }).toString(),
      redirect: 'manual',
    });
    const cookie = signIn.headers.get('set-cookie')!.split(';')[0];
    for (let i = 0; i < count; i++) {
      const res = await fetch(`${issuer.localUrl}/ui/${i % 2 ? 'sessions' : 'unbound'}/stream`, { headers: { cookie }, signal: abort.signal });
      if (res.status !== 200 || !res.body) {
        error(`live view ${i}: ${res.status}`);
        continue;
      }
      open++;
      void (async () => {
        try {
          for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
        } catch {
          // closed at the end of the run
        }
        open--;
      })();
    }
  }
  return { close: () => abort.abort(), open: () => open, bytes: () => bytes };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
let exitCode = 1;
try {
  console.log(`issuance-lab soak: ${seconds} s at ${concurrency} concurrent wallets, ${CONFIGS.join(', ')}; server pid ${issuer.process.pid}`);
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const elapsed = () => Math.round((performance.now() - started) / 1000);
  let n = 0;
  const viewers = await openViewers(viewerCount);
  const sampler = setInterval(() => void sample(elapsed()).catch((e) => error(`sample: ${e}`)), sampleSeconds * 1000);
  await sample(0);
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          await flow(n++);
        } catch (err) {
          error(String(err));
        }
      }
    }),
  );
  clearInterval(sampler);
  await sample(elapsed());
  const stillOpen = viewers.open();
  viewers.close();
  if (viewerCount) console.log(`\n${viewerCount} live views: ${stillOpen} still open at the end, ${(viewers.bytes() / 1048576).toFixed(1)} MiB received`);

  const steady = samples.filter((s) => s.t >= warmupSeconds);
  if (steady.length < 3) {
    // A run shorter than the warm-up has no steady samples to compare: say so, not crash.
    console.log(`\n${stats.flows} flows, ${stats.errors} errors; too short to judge memory (${steady.length} samples after the ${warmupSeconds} s warm-up): run longer`);
    await issuer.stop();
    issuer.cleanup();
    process.exit(stats.errors ? 1 : 0);
  }
  const third = Math.max(1, Math.floor(steady.length / 3));
  const [first, last] = [steady.slice(0, third), steady.slice(-third)];
  const rss = { first: median(first.map((s) => s.rssMiB)), last: median(last.map((s) => s.rssMiB)) };
  // Heap in use depends on when the sample falls between collections; its floor (the lowest
  // sample of a third) follows what survives GC, which is what a leak raises.
  const heap = { first: Math.min(...first.map((s) => s.heapMiB)), last: Math.min(...last.map((s) => s.heapMiB)) };
  const rssFlat = rss.last <= Math.max(rss.first * 1.1, rss.first + 16);
  const heapFlat = heap.last <= Math.max(heap.first * 1.25, heap.first + 16);
  const total = elapsed();
  console.log(`\n${stats.flows} flows in ${total} s (${(stats.flows / total).toFixed(0)} flows/s), ${stats.refusals} hostile requests refused with 4xx, ${stats.errors} errors`);
  for (const e of stats.firstErrors) console.log(`  error: ${e}`);
  console.log(`RSS  median first third ${rss.first.toFixed(1)} MiB, last third ${rss.last.toFixed(1)} MiB (${(((rss.last - rss.first) / rss.first) * 100).toFixed(1)}%): ${rssFlat ? 'flat' : 'GROWING'}`);
  console.log(`heap floor first third ${heap.first.toFixed(1)} MiB, last third ${heap.last.toFixed(1)} MiB (${(((heap.last - heap.first) / heap.first) * 100).toFixed(1)}%): ${heapFlat ? 'flat' : 'GROWING'}`);
  // How fast RSS still grows, third by third (a warming allocator slows down; a leak does not).
  const thirds = [steady.slice(0, third), steady.slice(third, 2 * third), steady.slice(2 * third)].filter((x) => x.length > 1);
  const slopes = thirds.map((x) => ((x[x.length - 1].rssMiB - x[0].rssMiB) / (x[x.length - 1].t - x[0].t)) * 60);
  console.log(`RSS growth per third of the run after warm-up: ${slopes.map((v) => `${v >= 0 ? '+' : ''}${v.toFixed(1)}`).join(', ')} MiB/min`);
  const ok = stats.errors === 0 && rssFlat && heapFlat;
  console.log(`verdict: ${ok ? 'PASS' : 'FAIL'} (errors ${stats.errors === 0 ? 'zero' : 'non-zero'}, memory ${rssFlat && heapFlat ? 'flat' : 'growing'})`);
  exitCode = ok ? 0 : 1;
} finally {
  agent.destroy();
  await issuer.stop();
  issuer.cleanup();
}
process.exit(exitCode);

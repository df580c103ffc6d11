import { readFileSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/config.js';
import { systemClock } from './core/clock.js';
import { buildApp } from './app.js';
import { loadRuntime } from './runtime.js';

/** Process entry: config → store → keys → app → listen. */
async function main(): Promise<void> {
  const config = loadConfig();
  const runtime = await loadRuntime(config, systemClock, (line) => console.log(line));
  const app = await buildApp(runtime.deps, {
    logger: { level: config.logLevel },
    https: config.tls ? { cert: readFileSync(config.tls.certPath), key: readFileSync(config.tls.keyPath) } : undefined,
  });
  const shutdown = async (signal: string) => {
    console.log(`${signal}: finishing in-flight requests`);
    await app.close();
    await runtime.deps.store.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  console.log(`issuance-lab listening on ${config.tls ? 'https' : 'http'}://${config.host}:${port}`);
  console.log(`Credential issuer: ${runtime.issuer}`);
}

main().catch((err) => {
  if (err instanceof ConfigError || err?.name === 'CredentialConfigurationError') {
    console.error(err.message);
  } else {
    console.error(err);
  }
  process.exit(1);
});

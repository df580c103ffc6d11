/**
 * `npm run check-issuer -- <issuer_url> [--json] [--allow-http] [--no-haip]`: fetches an
 * issuer's metadata like a wallet and reports what is missing or inconsistent against
 * OID4VCI 1.0 final and HAIP 1.0. Exit 1 when there are errors, 2 on usage errors.
 */
import { parseArgs } from 'node:util';
import { checkIssuer } from './check.js';

async function main(): Promise<number> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { json: { type: 'boolean', default: false }, 'allow-http': { type: 'boolean', default: false }, 'no-haip': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
  });
  if (values.help || positionals.length !== 1) {
    console.error('Usage: npm run check-issuer -- <issuer_url> [--json] [--allow-http] [--no-haip]');
    return values.help ? 0 : 2;
  }
  const report = await checkIssuer(positionals[0], { allowHttp: values['allow-http']!, haip: !values['no-haip'] });
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else {
    console.log(`Issuer ${report.issuer}`);
    for (const f of report.findings) console.log(`  ${f.severity.toUpperCase().padEnd(7)} ${f.id}  [${f.profile} ${f.spec_ref}]${f.at ? ` at ${f.at}` : ''}\n          ${f.message}`);
    console.log(`${report.summary.error} error(s), ${report.summary.warning} warning(s), ${report.summary.info} note(s)`);
  }
  return report.summary.error > 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(`check-issuer: ${(e as Error).message}`);
  process.exit(2);
});

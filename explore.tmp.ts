import { startIssuer, admin } from '/work/wt/plans/test/helpers/server.ts';
import { runWallet } from '/work/wt/plans/src/wallet/flow.ts';
import { createReporter } from '/work/wt/plans/src/wallet/report.ts';
import { setGlobalConfig } from '@openid4vc/utils';
import { mkdtempSync } from 'node:fs';
setGlobalConfig({ allowInsecureUrls: true });
const issuer = await startIssuer();
try {
  const cfgs = (await (await fetch(`${issuer.baseUrl}/.well-known/openid-credential-issuer`)).json()) as any;
  console.log('CONFIGS', Object.keys(cfgs.credential_configurations_supported), 'batch', cfgs.batch_credential_issuance, 'enc', JSON.stringify(cfgs.credential_response_encryption), JSON.stringify(cfgs.credential_request_encryption));
  const offer = (await admin(issuer, 'POST', '/credential_offers', { credential_configuration_ids: ['eu.europa.ec.eudi.pid_vc_sd_jwt'], grants: { pre_authorized_code: { tx_code: { length: 6, input_mode: 'numeric' } } }, reject_first_nonce: process.argv[2] === 'rfn' })).body;
  try {
    await runWallet({ offer: offer.offer_url, storeDir: mkdtempSync('/tmp/plans/w-'), reporter: createReporter('json'), txCode: offer.tx_code, clientId: 'x', redirectPort: 0, onAuthorizationUrl: () => {}, authorizationTimeoutMs: 1000, dpop: 'auto', proofKey: 'jwk', deferredPollLimit: 3 });
  } catch (e) { console.log('WALLET ERR', String(e)); }
  const logs = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/logs?limit=500&order=asc`)).body.logs;
  for (const l of logs) console.log(JSON.stringify(l).slice(0, 1500));
  const ev = (await admin(issuer, 'GET', `/sessions/${offer.session_id}/events?limit=500`)).body.events;
  for (const e of ev) console.log('EV', JSON.stringify(e).slice(0, 400));
} finally { await issuer.stop(); issuer.cleanup(); }

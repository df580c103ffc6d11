import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, signIn } from '../helpers/browser.js';
import { admin, startIssuer, type RunningIssuer } from '../helpers/server.js';
import * as w from '../helpers/wallet.js';

/**
 * Every dashboard page at a laptop (1280 px) and a phone (390 px) width, in real headless
 * Chromium: nothing makes the page scroll sideways (wide tables and code scroll inside their own
 * box), and the navigation marks the page it is on.
 */

const SD_JWT = 'eu.europa.ec.eudi.pid_vc_sd_jwt';
let issuer: RunningIssuer;
let browser: Browser;
const pages: { name: string; path: string; nav?: string }[] = [];

before(async () => {
  issuer = await startIssuer();
  browser = await launchChromium();
  // A session with a refused and a successful credential request, so its page has every part.
  const offer = await w.createOffer(issuer, { credential_configuration_ids: [SD_JWT] });
  const accessToken = await w.redeem(issuer, offer);
  const key = await w.newHolderKey();
  await w.credentialRequest(issuer, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [await w.signProof(key, { aud: 'https://wrong.example', nonce: await w.fetchNonce(issuer) })] } });
  await w.credentialRequest(issuer, accessToken, { credential_configuration_id: SD_JWT, proofs: { jwt: [await w.signProof(key, { aud: issuer.baseUrl, nonce: await w.fetchNonce(issuer) })] } });
  await w.tokenRequest(issuer, { grant_type: 'garbage', 'pre-authorized_code': 'x'.repeat(120) });
  const share = await admin(issuer, 'POST', `/sessions/${offer.session_id}/share`, { expires_in: 3600 });
  pages.push(
    { name: 'sessions', path: '/', nav: 'Sessions' },
    { name: 'session', path: `/ui/sessions/${offer.session_id}`, nav: 'Sessions' },
    { name: 'create offer', path: '/ui/offers/new', nav: 'Create offer' },
    { name: 'unbound', path: '/ui/unbound', nav: 'Unbound requests' },
    { name: 'compatibility', path: '/ui/compatibility', nav: 'Wallet compatibility' },
    { name: 'trust', path: '/trust', nav: 'Trust material' },
    { name: 'API docs', path: '/docs', nav: 'API docs' },
    { name: 'inspector', path: '/inspect' },
    { name: 'presentation form', path: '/ui/presentations/new' },
    { name: 'missing session', path: '/ui/sessions/ses_none' },
  );
  if (share.status === 201 && typeof share.body.url === 'string') pages.push({ name: 'share link', path: new URL(share.body.url).pathname });
});
after(async () => {
  await browser?.close();
  await issuer?.stop();
  issuer?.cleanup();
});

async function overflowOf(page: Page): Promise<{ scroll: number; client: number; widest: string }> {
  return page.evaluate(() => {
    const root = document.documentElement;
    let widest = '';
    let right = root.clientWidth;
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right > right + 1 && getComputedStyle(el).position !== 'fixed') {
        right = r.right;
        widest = `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')} (${Math.round(r.right)} px)`;
      }
    }
    return { scroll: root.scrollWidth, client: root.clientWidth, widest };
  });
}

describe('no dashboard page overflows horizontally (headless Chromium)', () => {
  for (const width of [1280, 390]) {
    it(`at ${width} px`, async () => {
      const context: BrowserContext = await browser.newContext({ viewport: { width, height: 900 } });
      const page = await context.newPage();
      await signIn(page, issuer);
      const problems: string[] = [];
      for (const p of pages) {
        await page.goto(`${issuer.baseUrl}${p.path}`);
        const o = await overflowOf(page);
        if (o.scroll > o.client) problems.push(`${p.name} (${p.path}): ${o.scroll} px wide in ${o.client}; widest ${o.widest}`);
        if (p.nav) {
          const current = await page.$$eval('header nav a[aria-current=page]', (as) => as.map((a) => a.textContent?.trim()));
          if (current.length !== 1 || current[0] !== p.nav) problems.push(`${p.name}: the navigation marks ${JSON.stringify(current)}, not ${p.nav}`);
        }
      }
      await context.close();
      assert.deepEqual(problems, []);
    });
  }
});

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsQRModule from 'jsqr';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningIssuer } from './server.js';

/** Debian chromium, headless, driven by playwright-core (CHROMIUM_PATH overrides the binary). */
export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-background-networking', '--disable-gpu', '--disable-component-update', '--disable-sync'],
  });
}

/** Signs the page's context in through the dashboard's own sign-in form. */
export async function signIn(page: Page, issuer: RunningIssuer): Promise<void> {
  await page.goto(`${issuer.baseUrl}/`);
  await page.fill('input[name=token]', issuer.adminToken);
  await page.click('button[type=submit]');
  await page.waitForSelector('h1:has-text("Sessions")');
}

/** Opens a session page, waits for its live stream, and marks the document so a reload would show. */
export async function openLiveSessionPage(page: Page, issuer: RunningIssuer, sessionId: string): Promise<void> {
  await page.goto(`${issuer.baseUrl}/ui/sessions/${sessionId}`);
  await page.waitForSelector('body.live-connected');
  await page.evaluate(() => ((window as unknown as { __noReload: boolean }).__noReload = true));
}

export const stillSamePage = (page: Page) => page.evaluate(() => (window as unknown as { __noReload?: boolean }).__noReload === true);

/** docs/screenshots/ with UPDATE_SCREENSHOTS=1, a fresh temporary directory otherwise. */
export function screenshotDir(): string {
  return process.env.UPDATE_SCREENSHOTS === '1' ? join(process.cwd(), 'docs/screenshots') : mkdtempSync(join(tmpdir(), 'issuance-lab-shots-'));
}

// jsqr is CommonJS whose module.exports is the function itself (and .default too).
const jsQR = jsQRModule.default;

/** Rasterises the QR code's SVG in the page and decodes it: what a phone's camera would read. */
export async function decodeQr(page: Page, svgSelector: string): Promise<string | undefined> {
  const { data, size } = await page.evaluate(async (selector) => {
    const svg = document.querySelector(selector)!;
    const img = new Image();
    img.src = `data:image/svg+xml;base64,${btoa(new XMLSerializer().serializeToString(svg))}`;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = canvas.height = 400;
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 400, 400);
    ctx.drawImage(img, 0, 0, 400, 400);
    return { data: Array.from(ctx.getImageData(0, 0, 400, 400).data), size: 400 };
  }, svgSelector);
  return jsQR(Uint8ClampedArray.from(data), size, size)?.data;
}

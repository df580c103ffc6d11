/**
 * Drives the issuer's login/consent page with plain HTTP, as a person with a browser would:
 * GET the authorization URL, read the form from the HTML, pick personas or edit claims, POST it,
 * and return where the browser would be sent. Redirects are not followed, so the test sees them.
 */

export interface ConsentForm {
  action: string;
  hidden: Record<string, string>;
  /** configuration id → persona keys offered and the one preselected. */
  personas: Record<string, { options: string[]; checked: string | undefined }>;
  /** configuration id → the claims editor's text. */
  claimsText: Record<string, string>;
}

const unescape = (s: string) =>
  s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

export function parseConsentForm(html: string): ConsentForm {
  const action = /<form method="post" action="([^"]*)">/.exec(html)?.[1];
  if (!action) throw new Error(`no consent form in page:\n${html.slice(0, 500)}`);
  const hidden: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[unescape(m[1])] = unescape(m[2]);
  const personas: ConsentForm['personas'] = {};
  for (const m of html.matchAll(/<input type="radio" name="persona\.([^"]+)" value="([^"]+)"( checked)?>/g)) {
    const id = unescape(m[1]);
    personas[id] ??= { options: [], checked: undefined };
    personas[id].options.push(m[2]);
    if (m[3]) personas[id].checked = m[2];
  }
  const claimsText: Record<string, string> = {};
  for (const m of html.matchAll(/<textarea id="[^"]*" name="claims\.([^"]+)" spellcheck="false">([\s\S]*?)<\/textarea>/g)) claimsText[unescape(m[1])] = unescape(m[2]);
  return { action: unescape(action), hidden, personas, claimsText };
}

export interface ConsentChoice {
  decision?: 'allow' | 'deny';
  /** configuration id → persona key; unset ones keep the preselected persona. */
  persona?: Record<string, string>;
  /** configuration id → claims (sent as JSON text; pair with persona "custom"). */
  claims?: Record<string, unknown>;
  /** configuration id → edit of the JSON the page shows in the claims editor (pair with persona "custom"). */
  editClaims?: Record<string, (shown: any) => unknown>;
  /** Overrides of form fields (negative tests: a wrong csrf_token …). */
  override?: Record<string, string>;
}

export function consentBody(form: ConsentForm, choice: ConsentChoice = {}): URLSearchParams {
  const body = new URLSearchParams(form.hidden);
  for (const [id, p] of Object.entries(form.personas)) body.set(`persona.${id}`, choice.persona?.[id] ?? p.checked ?? p.options[0]);
  for (const [id, text] of Object.entries(form.claimsText)) {
    const edit = choice.editClaims?.[id];
    body.set(`claims.${id}`, choice.claims?.[id] !== undefined ? JSON.stringify(choice.claims[id]) : edit ? JSON.stringify(edit(JSON.parse(text))) : text);
  }
  body.set('decision', choice.decision ?? 'allow');
  for (const [k, v] of Object.entries(choice.override ?? {})) body.set(k, v);
  return body;
}

/** GET the authorization URL; returns the page (status, html) without following redirects. */
export async function openAuthorization(url: string): Promise<{ status: number; html: string; location: string | null; headers: Headers }> {
  const res = await fetch(url, { redirect: 'manual' });
  return { status: res.status, html: await res.text(), location: res.headers.get('location'), headers: res.headers };
}

/** POST the consent form to the page's action (relative to the authorization URL's origin). */
export async function submitConsent(pageUrl: string, form: ConsentForm, choice: ConsentChoice = {}) {
  const res = await fetch(new URL(form.action, pageUrl), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: consentBody(form, choice).toString(),
  });
  return { status: res.status, location: res.headers.get('location'), html: await res.text() };
}

/** Opens the page, consents, and returns the redirect location (throws when there is none). */
export async function consentThroughPage(authorizationUrl: string, choice: ConsentChoice = {}): Promise<string> {
  const page = await openAuthorization(authorizationUrl);
  if (page.status !== 200) throw new Error(`authorization page: ${page.status} ${page.location ?? page.html.slice(0, 400)}`);
  const result = await submitConsent(authorizationUrl, parseConsentForm(page.html), choice);
  if (result.status !== 303 || !result.location) {
    const problems = [...result.html.matchAll(/<li>([^<]*)<\/li>|<div class="error">([\s\S]*?)<\/div>/g)].map((m) => unescape(m[1] ?? m[2]));
    throw new Error(`consent: ${result.status} ${problems.join('; ') || result.html.slice(0, 800)}`);
  }
  return result.location;
}

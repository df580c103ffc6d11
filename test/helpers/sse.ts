/**
 * Event streams read as a browser's EventSource reads them (HTML Living Standard §9.2.5/§9.2.6):
 * lines end at CRLF, CR or LF; `data` lines join with LF; a blank line dispatches. Tests that
 * check what a client would see parse with this, not with a split on "\n".
 */
export interface SseEvent {
  event: string;
  data: string;
  id: string;
}

export function parseEventStream(text: string): SseEvent[] {
  const out: SseEvent[] = [];
  let event = '';
  let data: string[] = [];
  let id = '';
  for (const line of text.split(/\r\n|\r|\n/)) {
    if (line === '') {
      if (data.length) out.push({ event: event || 'message', data: data.join('\n'), id });
      event = '';
      data = [];
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (name === 'event') event = value;
    else if (name === 'data') data.push(value);
    else if (name === 'id' && !value.includes('\0')) id = value;
  }
  return out;
}

/** An open event stream over a real socket; `text()` is everything received so far. */
export interface OpenStream {
  status: number;
  headers: Headers;
  text(): string;
  /** Resolves when the server ends the stream (or the socket closes). */
  ended: Promise<void>;
  /** Waits until the received text satisfies `test`, or fails after `ms`. */
  until(test: (text: string) => boolean, ms?: number): Promise<string>;
  close(): void;
}

export async function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  const abort = new AbortController();
  const res = await fetch(url, { headers, signal: abort.signal });
  let received = '';
  const waiter: { wake: (() => void) | null } = { wake: null };
  const decoder = new TextDecoder();
  const ended = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        received += decoder.decode(value, { stream: true });
        waiter.wake?.();
      }
    } catch {
      // aborted by close()
    }
    waiter.wake?.();
  })();
  let finished = false;
  void ended.then(() => (finished = true));
  return {
    status: res.status,
    headers: res.headers,
    text: () => received,
    ended,
    async until(test, ms = 15_000) {
      const deadline = Date.now() + ms;
      while (!test(received)) {
        if (finished) throw new Error(`stream ended before the expected text arrived:\n${received.slice(-2000)}`);
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`expected text did not arrive within ${ms} ms:\n${received.slice(-2000)}`);
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, Math.min(left, 250));
          waiter.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        waiter.wake = null;
      }
      return received;
    },
    close: () => abort.abort(),
  };
}

import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * The process log: JSON lines on stdout (pino, as Fastify logs), for log collectors; on a
 * terminal the same entries as plain lines, since a person is reading. Session logs are apart,
 * in the database.
 */
export function createProcessLog(level: string, tty: boolean): { log: Logger; print(text: string): void } {
  // One writer for the JSON lines and the plain text, so they reach stdout in the order written.
  const out = tty ? undefined : pino.destination({ dest: 1, sync: false });
  const log = pino(
    {
      level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      hooks: {
        // Fastify announces each bound address itself ("Server listening at http://127.0.0.1:…");
        // main.ts says it once, with the one URL to use (PUBLIC_URL).
        logMethod(args, method) {
          if (typeof args[0] === 'string' && args[0].startsWith('Server listening at ')) return;
          method.apply(this, args);
        },
      },
    },
    out ?? plainLines(process.stdout),
  );
  return { log, print: (text) => (out ? out.write(text) : process.stdout.write(text)) };
}

const LEVELS: Record<number, string> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warning', 50: 'error', 60: 'fatal' };

/** pino's JSON lines as "HH:MM:SS level message", with an error's stack below it. */
function plainLines(out: NodeJS.WritableStream): DestinationStream {
  return {
    write(line: string) {
      let entry: { level?: number; time?: string; msg?: string; err?: { stack?: string; message?: string } };
      try {
        entry = JSON.parse(line);
      } catch {
        out.write(line);
        return;
      }
      const level = LEVELS[entry.level ?? 30] ?? 'info';
      const time = typeof entry.time === 'string' ? entry.time.slice(11, 19) : '';
      const prefix = level === 'info' ? '' : `${level}: `;
      out.write(`${time} ${prefix}${entry.msg ?? ''}\n${entry.err?.stack ? `${entry.err.stack}\n` : ''}`);
    },
  };
}

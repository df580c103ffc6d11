/** Time comes only from a Clock, so tests can fix it and protocol code stays pure. */
export interface Clock {
  /** Milliseconds since the epoch. */
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function nowSeconds(clock: Clock): number {
  return Math.floor(clock.nowMs() / 1000);
}

export function fixedClock(startMs: number): Clock & { advance(ms: number): void } {
  let now = startMs;
  return { nowMs: () => now, advance: (ms: number) => { now += ms; } };
}

/**
 * Interleaved measurement for `npm run bench`: every round runs each row once, in a new random
 * order, so JIT warm-up, garbage collection and this shared machine's swings fall on all rows
 * alike. A row's figure is its median round (with the slowest and fastest); a comparison
 * between two rows is the median of their per-round ratios, so a slow second that hits both
 * rows of a round cancels out instead of moving one row's median.
 */

export interface Row {
  name: string;
  fn: (i: number) => Promise<unknown>;
  ops: number;
  /** Untimed, before each round (a fresh provider for the cache-miss row). */
  setup?: () => Promise<void>;
}

export interface Measured {
  name: string;
  /** Median round, ops/s. */
  opsPerSec: number;
  /** Slowest and fastest round, ops/s. */
  spread: [number, number];
  /** Every round's ops/s, in round order (for paired ratios). */
  rounds: number[];
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

/** Runs `rows` for `rounds` interleaved rounds (after one untimed warm-up pass). */
export async function measureAll(rows: Row[], rounds: number): Promise<Measured[]> {
  for (const r of rows) {
    await r.setup?.();
    for (let i = 0; i < Math.min(100, r.ops); i++) await r.fn(i);
  }
  const rates = new Map<string, number[]>(rows.map((r) => [r.name, []]));
  for (let round = 0; round < rounds; round++) {
    // A new order every round: the garbage one row leaves (and the GC it triggers) falls on
    // every row alike, not always on the row after it.
    const order = [...rows].sort(() => Math.random() - 0.5);
    for (const r of order) {
      await r.setup?.();
      const offset = round * r.ops;
      const start = performance.now();
      for (let i = 0; i < r.ops; i++) await r.fn(offset + i);
      rates.get(r.name)?.push(r.ops / ((performance.now() - start) / 1000));
    }
    if ((round + 1) % 10 === 0 || round + 1 === rounds) process.stderr.write(`round ${round + 1}/${rounds}\n`);
  }
  return rows.map((r) => {
    const list = rates.get(r.name) ?? [0];
    return { name: r.name, opsPerSec: median(list), spread: [Math.min(...list), Math.max(...list)], rounds: list };
  });
}

/** How many times `a`'s cost per operation is `b`'s: the median over rounds of b's rate / a's rate. */
export function costRatio(a: Measured, b: Measured): number {
  return median(a.rounds.map((rate, i) => (b.rounds[i] as number) / rate));
}

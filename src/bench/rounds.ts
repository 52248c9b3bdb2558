/**
 * Peer-relative timing on tinybench. Tasks run in interleaved rounds (A, B, C,
 * A, B, C, …) so that a machine that gets busier or quieter during the run
 * affects every peer alike; each task's figure is the median over rounds of
 * its per-round median latency. Ratios between tasks of one run are the
 * numbers to trust; absolute milliseconds depend on the machine.
 */
import { Bench } from 'tinybench';

export interface TaskSpec {
  name: string;
  fn: () => unknown | Promise<unknown>;
}

export interface TaskTiming {
  name: string;
  /** Median over rounds of each round's median latency, ms. */
  ms: number;
  /** Relative spread of the per-round medians (max/min − 1). */
  spread: number;
  samples: number;
}

export interface RoundOptions {
  rounds?: number;
  /** Milliseconds per task per round (tinybench `time`). */
  timeMs?: number;
  /** Minimum iterations per task per round. */
  iterations?: number;
}

function median(v: number[]): number {
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export async function timeInRounds(tasks: TaskSpec[], o: RoundOptions = {}): Promise<Map<string, TaskTiming>> {
  const rounds = o.rounds ?? 3;
  const per = new Map<string, { p50: number[]; samples: number }>(tasks.map((t) => [t.name, { p50: [], samples: 0 }]));
  for (let r = 0; r < rounds; r++) {
    for (const t of tasks) {
      const bench = new Bench({ time: o.timeMs ?? 1000, iterations: o.iterations ?? 3, warmupIterations: r === 0 ? 2 : 1, warmupTime: 0, throws: true });
      bench.add(t.name, t.fn);
      await bench.run();
      const res = bench.tasks[0].result;
      if (res.state !== 'completed') throw new Error(`benchmark task ${t.name} did not complete (${res.state})`);
      const e = per.get(t.name)!;
      e.p50.push(res.latency.p50);
      e.samples += res.latency.samplesCount;
    }
  }
  const out = new Map<string, TaskTiming>();
  for (const [name, e] of per) {
    out.set(name, { name, ms: median(e.p50), spread: Math.max(...e.p50) / Math.min(...e.p50) - 1, samples: e.samples });
  }
  return out;
}

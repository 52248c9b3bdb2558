/** The budget guard driven by a synthetic power trace: a plant whose power follows the duty cycle. */
import { describe, expect, it } from 'vitest';
import { BudgetGuard } from '../../dist/src/telemetry/budget-guard.js';

/** Simulate `seconds` of a 6 W + 8 W × duty × threads/2 plant, sampled at 10 Hz, checked every 100 ms. */
function simulate(guard: BudgetGuard, seconds: number, plant = (duty: number, threads: number) => 6 + 8 * duty * (threads / 2)) {
  const samples: { t: number; w: number }[] = [];
  const actions = [];
  for (let t = 0; t <= seconds * 1000; t += 100) {
    samples.push({ t, w: plant(guard.duty, guard.threads) });
    const window = samples.filter((s) => s.t > t - guard.cfg.windowS * 1000);
    const avg = window.reduce((a, s) => a + s.w, 0) / window.length;
    const a = guard.update(t, avg);
    if (a) actions.push(a);
  }
  const tail = samples.filter((s) => s.t > (seconds - 10) * 1000);
  return { actions, tailAvg: tail.reduce((a, s) => a + s.w, 0) / tail.length };
}

describe('power budget guard', () => {
  it('brings a 14 W load under a 10 W budget by inserting idle time, and says so', () => {
    const g = new BudgetGuard({ budgetW: 10, maxThreads: 2 });
    const { actions, tailAvg } = simulate(g, 60);
    expect(actions[0]).toMatchObject({ action: 'idle' });
    expect(actions[0].message).toMatch(/over the 10 W budget: duty cycle \d+ %/);
    expect(tailAvg).toBeLessThanOrEqual(10);
    expect(tailAvg).toBeGreaterThan(8); // and does not throttle far more than needed
    expect(g.idleAfter(100)).toBeCloseTo(100 * (1 / g.duty - 1), 9);
  });

  it('takes threads away once the duty cycle is at its floor, then reports an unreachable budget', () => {
    const g = new BudgetGuard({ budgetW: 6.5, maxThreads: 2 });
    const { actions } = simulate(g, 60);
    const kinds = actions.map((a) => a.action);
    expect(kinds).toContain('threads');
    expect(g.threads).toBe(1);
    expect(g.duty).toBeCloseTo(0.2, 9);
    expect(kinds).toContain('unreachable');
    expect(kinds.filter((k) => k === 'unreachable')).toHaveLength(1);
  });

  it('gives capacity back when the load falls well under the budget', () => {
    const g = new BudgetGuard({ budgetW: 10, maxThreads: 2 });
    simulate(g, 30);
    expect(g.duty).toBeLessThan(1);
    const { actions } = simulate(g, 60, () => 5);
    expect(actions.some((a) => a.action === 'release')).toBe(true);
    expect(g.duty).toBe(1);
    expect(g.idleAfter(50)).toBe(0);
  });
});

/**
 * The power budget guard. Policy (also in the README):
 *
 * Once per `periodS` (1 s) the guard compares the average power over the last
 * `windowS` (5 s) with the budget.
 *  - Over budget: lower the duty cycle (the fraction of time the backend
 *    works) in proportion, `duty ← duty × budget / avg × 0.95`, by inserting
 *    idle time after each tile (`idle = busy × (1/duty − 1)`). At the lowest
 *    duty (0.2), take one inference thread away instead, if the backend can.
 *  - Under 85 % of the budget: give a thread back first, then raise the duty
 *    by 10 % a step until it is 1 again.
 * Every change is a `budget` health event. Inference never stops: a budget that
 * cannot be met at the lowest duty and one thread is reported, not enforced further.
 */
export interface BudgetConfig {
  budgetW: number;
  windowS: number;
  periodS: number;
  minDuty: number;
  maxThreads: number;
}

export interface BudgetAction {
  action: 'idle' | 'threads' | 'release' | 'unreachable';
  avgW: number;
  duty: number;
  threads: number;
  message: string;
}

export class BudgetGuard {
  readonly cfg: BudgetConfig;
  duty = 1;
  threads: number;
  private lastCheckMs = -Infinity;
  private warnedUnreachable = false;

  constructor(cfg: Partial<BudgetConfig> & { budgetW: number; maxThreads: number }) {
    this.cfg = { windowS: 5, periodS: 1, minDuty: 0.2, ...cfg };
    this.threads = this.cfg.maxThreads;
  }

  /** Idle time to insert after a tile that kept the backend busy for `busyMs`. */
  idleAfter(busyMs: number): number {
    return this.duty >= 1 ? 0 : busyMs * (1 / this.duty - 1);
  }

  /** Feed the current window average; returns what changed, if anything. */
  update(nowMs: number, avgW: number): BudgetAction | null {
    if (nowMs - this.lastCheckMs < this.cfg.periodS * 1000) return null;
    this.lastCheckMs = nowMs;
    const { budgetW, minDuty, maxThreads } = this.cfg;
    const r = (a: BudgetAction['action'], message: string): BudgetAction => ({ action: a, avgW, duty: this.duty, threads: this.threads, message });
    if (avgW > budgetW) {
      if (this.duty > minDuty) {
        this.duty = Math.max(minDuty, ((this.duty * budgetW) / avgW) * 0.95);
        return r('idle', `average ${avgW.toFixed(2)} W over the ${budgetW} W budget: duty cycle ${(this.duty * 100).toFixed(0)} %`);
      }
      if (this.threads > 1) {
        this.threads--;
        return r('threads', `average ${avgW.toFixed(2)} W over budget at the lowest duty cycle: ${this.threads} thread${this.threads > 1 ? 's' : ''}`);
      }
      if (!this.warnedUnreachable) {
        this.warnedUnreachable = true;
        return r('unreachable', `average ${avgW.toFixed(2)} W stays over the ${budgetW} W budget at the lowest duty cycle and one thread`);
      }
      return null;
    }
    if (avgW < 0.85 * budgetW) {
      this.warnedUnreachable = false;
      if (this.threads < maxThreads) {
        this.threads++;
        return r('threads', `average ${avgW.toFixed(2)} W well under budget: ${this.threads} threads`);
      }
      if (this.duty < 1) {
        this.duty = Math.min(1, this.duty * 1.1);
        return r('release', `average ${avgW.toFixed(2)} W well under budget: duty cycle ${(this.duty * 100).toFixed(0)} %`);
      }
    }
    return null;
  }
}

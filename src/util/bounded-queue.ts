/**
 * A bounded async queue between the tile producer (scene reading) and the
 * consumer (the backend). The producer waits when the queue is full, which is
 * what bounds memory; the consumer waits when it is empty.
 */
export class BoundedQueue<T> {
  private readonly items: T[] = [];
  private readonly capacity: number;
  private closed = false;
  private error: unknown = null;
  private waitingPush: (() => void)[] = [];
  private waitingPull: (() => void)[] = [];

  constructor(capacity: number) {
    this.capacity = Math.max(1, capacity);
  }

  get size(): number {
    return this.items.length;
  }

  async push(v: T): Promise<void> {
    while (this.items.length >= this.capacity && !this.closed) {
      await new Promise<void>((r) => this.waitingPush.push(r));
    }
    if (this.closed) return;
    this.items.push(v);
    this.wake(this.waitingPull);
  }

  /** No more items; pending pulls drain what is left, then get undefined. */
  close(error?: unknown): void {
    this.closed = true;
    if (error !== undefined) this.error = error;
    this.wake(this.waitingPull);
    this.wake(this.waitingPush);
  }

  /** Next item, or undefined once closed and empty. Rethrows a producer's error. */
  async pull(): Promise<T | undefined> {
    while (this.items.length === 0) {
      if (this.error) throw this.error;
      if (this.closed) return undefined;
      await new Promise<void>((r) => this.waitingPull.push(r));
    }
    const v = this.items.shift()!;
    this.wake(this.waitingPush);
    return v;
  }

  /** Items available now without waiting (up to max). */
  drain(max: number): T[] {
    const out = this.items.splice(0, max);
    if (out.length) this.wake(this.waitingPush);
    return out;
  }

  private wake(list: (() => void)[]): void {
    const ws = list.splice(0);
    for (const w of ws) w();
  }
}

/**
 * Seeded random numbers for synthetic scenes: sfc32 (a small, fast 32-bit
 * generator with good statistics), plus the distributions SAR clutter needs.
 * The same seed gives the same scene on every machine.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    // splitmix32 to spread the seed over the state
    let s = seed >>> 0;
    const next = () => {
      s = (s + 0x9e3779b9) | 0;
      let z = s;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let i = 0; i < 12; i++) this.u32();
  }

  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in (0, 1): never exactly 0, so logs are safe. */
  uniform(): number {
    return (this.u32() + 0.5) / 4294967296;
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  int(lo: number, hiExclusive: number): number {
    return lo + Math.floor(this.uniform() * (hiExclusive - lo));
  }

  normal(): number {
    return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
  }

  /**
   * Gamma(k, 1/k) for integer k (mean 1): the intensity of k-look speckle, the
   * sum of k unit exponentials over k. One log per sample.
   */
  gammaLooks(k: number): number {
    let p = this.uniform();
    for (let i = 1; i < k; i++) p *= this.uniform();
    return -Math.log(p) / k;
  }

  /** Gamma(shape, 1/shape) for any shape > 0 (Marsaglia–Tsang), mean 1. */
  gammaMean1(shape: number): number {
    if (shape < 1) return this.gammaMean1(shape + 1) * Math.pow(this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniform();
      if (u < 1 - 0.0331 * x * x * x * x || Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return (d * v) / shape;
    }
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.uniform() * items.length)];
  }
}

/**
 * A smooth random field: values on a coarse grid, bilinearly interpolated.
 * Used for wind variation, sea texture (K-distribution texture) and land cover.
 */
export class SmoothField {
  private readonly gw: number;
  private readonly gh: number;
  private readonly cell: number;
  private readonly v: Float32Array;

  constructor(rng: Rng, width: number, height: number, cell: number, sample: (r: Rng) => number) {
    this.cell = cell;
    this.gw = Math.ceil(width / cell) + 2;
    this.gh = Math.ceil(height / cell) + 2;
    this.v = new Float32Array(this.gw * this.gh);
    for (let i = 0; i < this.v.length; i++) this.v[i] = sample(rng);
  }

  at(x: number, y: number): number {
    const fx = x / this.cell;
    const fy = y / this.cell;
    const ix = Math.floor(fx);
    const iy = Math.floor(fy);
    const tx = fx - ix;
    const ty = fy - iy;
    const i = iy * this.gw + ix;
    const v = this.v;
    const top = v[i] + (v[i + 1] - v[i]) * tx;
    const bot = v[i + this.gw] + (v[i + this.gw + 1] - v[i + this.gw]) * tx;
    return top + (bot - top) * ty;
  }
}

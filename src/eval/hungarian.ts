/**
 * Minimum-cost assignment (Hungarian algorithm with potentials, O(n²m)) for an
 * n × m cost matrix with n ≤ m. Returns, for each row, its column.
 */
export function hungarian(cost: number[][]): number[] {
  const n = cost.length;
  if (n === 0) return [];
  const m = cost[0].length;
  if (n > m) throw new RangeError('hungarian() needs rows ≤ columns');
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j]: row matched to column j (1-based, 0 = none)
  const way = new Int32Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(m + 1).fill(INF);
    const used = new Uint8Array(m + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else minv[j] -= delta;
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0);
  }
  const rowToCol = new Array<number>(n).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]) rowToCol[p[j] - 1] = j - 1;
  return rowToCol;
}

export interface Point {
  row: number;
  col: number;
}

/**
 * Match predictions to ground truth points one-to-one, only within `tolerance`
 * px, with the largest number of matches and, among those, the least total
 * distance (xView3's Hungarian matching with out-of-tolerance pairs made
 * prohibitively costly). Points only interact through pairs within tolerance,
 * so the problem splits into small connected components, each solved exactly.
 */
export function matchPoints(preds: Point[], gts: Point[], tolerance: number): [number, number][] {
  const cell = tolerance;
  const grid = new Map<string, number[]>();
  gts.forEach((g, i) => {
    const k = `${Math.floor(g.row / cell)},${Math.floor(g.col / cell)}`;
    (grid.get(k) ?? grid.set(k, []).get(k)!).push(i);
  });
  const near: number[][] = preds.map((p) => {
    const out: number[] = [];
    const r = Math.floor(p.row / cell);
    const c = Math.floor(p.col / cell);
    for (let dr = -1; dr <= 1; dr++) {
      for (let dc = -1; dc <= 1; dc++) {
        for (const gi of grid.get(`${r + dr},${c + dc}`) ?? []) {
          if (Math.hypot(p.row - gts[gi].row, p.col - gts[gi].col) < tolerance) out.push(gi);
        }
      }
    }
    return out;
  });
  // Connected components of the bipartite "within tolerance" graph (union-find over preds + gts).
  const parent = Array.from({ length: preds.length + gts.length }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  near.forEach((gs, pi) => gs.forEach((gi) => (parent[find(pi)] = find(preds.length + gi))));
  const comps = new Map<number, { p: number[]; g: number[] }>();
  near.forEach((gs, pi) => {
    if (!gs.length) return;
    const root = find(pi);
    (comps.get(root) ?? comps.set(root, { p: [], g: [] }).get(root)!).p.push(pi);
  });
  gts.forEach((_, gi) => {
    const c = comps.get(find(preds.length + gi));
    if (c) c.g.push(gi);
  });
  const BIG = 1e9;
  const pairs: [number, number][] = [];
  for (const { p, g } of comps.values()) {
    const transpose = p.length > g.length;
    const rows = transpose ? g : p;
    const cols = transpose ? p : g;
    const cost = rows.map((ri) =>
      cols.map((ci) => {
        const [pi, gi] = transpose ? [ci, ri] : [ri, ci];
        const d = Math.hypot(preds[pi].row - gts[gi].row, preds[pi].col - gts[gi].col);
        return d < tolerance ? d : BIG;
      }),
    );
    hungarian(cost).forEach((ci, r) => {
      if (ci < 0 || cost[r][ci] >= BIG) return;
      pairs.push(transpose ? [cols[ci], rows[r]] : [rows[r], cols[ci]]);
    });
  }
  return pairs;
}

/**
 * @module training/lib/retrofit
 * Retrofitting of word vectors to a lexical graph (Faruqui et al. 2015, "Retrofitting Word Vectors to Semantic
 * Lexicons"): each vector is moved, over a few iterations, towards the weighted mean of its graph neighbours while
 * staying near its original direction: q_i ← normalise((α_i q̂_i + B Σ_j w̃_ij q_j) / (α_i + B)), where q̂_i is
 * the original unit vector, w̃_ij the node's edge weights normalised to sum 1, and B the total pull of the
 * neighbours. Works on directions only: the caller puts back each row's length (the static table keeps a unit's
 * SIF weight in its length).
 */

/** A directed, weighted graph over rows: `edges.get(i)` maps neighbour row → weight (added up when repeated). */
export class RowGraph {
  readonly edges = new Map<number, Map<number, number>>();

  /** Adds weight `w` to the edge i → j (no self edges, no non-positive weights). */
  add(i: number, j: number, w: number): void {
    if (i === j || !(w > 0)) return;
    let m = this.edges.get(i);
    if (m === undefined) this.edges.set(i, (m = new Map()));
    m.set(j, (m.get(j) ?? 0) + w);
  }

  /** Number of edges. */
  get size(): number {
    let n = 0;
    for (const m of this.edges.values()) n += m.size;
    return n;
  }
}

/** Options of {@link retrofit}. */
export interface RetrofitOptions {
  /** Iterations (Faruqui et al.: 10). */
  iterations: number;
  /** Weight of the original direction, per row (a row with none of its own knowledge gets a small one). */
  alpha(row: number): number;
  /** Total pull of the neighbours (B above). */
  beta: number;
  /**
   * Retrofit in a centred space: the mean direction of the graph's rows is taken out before and put back after.
   * Averaging unit vectors cancels what neighbours do not share and keeps what all rows share, so without it every
   * retrofitted row leans towards the common mean and unrelated words grow more similar.
   */
  centre: boolean;
}

/** Unit directions of the rows `ids` of a row-major table (`dim` wide). */
function directions(table: Float32Array, dim: number, ids: readonly number[]): Map<number, Float32Array> {
  const out = new Map<number, Float32Array>();
  for (const i of ids) {
    const v = table.slice(i * dim, (i + 1) * dim);
    let s = 0;
    for (let d = 0; d < dim; d++) s += v[d]! * v[d]!;
    if (s === 0) continue;
    const k = 1 / Math.sqrt(s);
    for (let d = 0; d < dim; d++) v[d]! *= k;
    out.set(i, v);
  }
  return out;
}

/**
 * Retrofits the rows of `table` that have edges in `graph` (in place): each row gets the retrofitted direction at
 * its original length. Rows without edges, and neighbours with a zero row, are left as they are. Returns the number
 * of rows changed.
 */
export function retrofit(table: Float32Array, dim: number, graph: RowGraph, o: RetrofitOptions): number {
  const nodes = new Set<number>();
  for (const [i, m] of graph.edges) {
    nodes.add(i);
    for (const j of m.keys()) nodes.add(j);
  }
  const original = directions(table, dim, [...nodes]);
  const mean = new Float32Array(dim);
  if (o.centre) {
    for (const v of original.values()) for (let d = 0; d < dim; d++) mean[d]! += v[d]! / original.size;
    for (const v of original.values()) for (let d = 0; d < dim; d++) v[d]! -= mean[d]!;
  }
  // Each row's length in the (centred) space, and its unit direction there.
  const ownLength = new Map<number, number>();
  for (const [i, v] of original) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += v[d]! * v[d]!;
    ownLength.set(i, Math.sqrt(s));
    const k = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) v[d]! *= k;
  }
  let current = new Map([...original].map(([i, v]) => [i, v.slice()]));
  const moving = [...graph.edges.keys()].filter((i) => original.has(i));
  for (let it = 0; it < o.iterations; it++) {
    const next = new Map(current);
    for (const i of moving) {
      const m = graph.edges.get(i)!;
      let total = 0;
      for (const [j, w] of m) if (current.has(j)) total += w;
      if (total === 0) continue;
      const a = o.alpha(i);
      const v = original.get(i)!.map((x) => x * a);
      for (const [j, w] of m) {
        const q = current.get(j);
        if (q === undefined) continue;
        const k = (o.beta * w) / total;
        for (let d = 0; d < dim; d++) v[d]! += k * q[d]!;
      }
      let s = 0;
      for (let d = 0; d < dim; d++) s += v[d]! * v[d]!;
      const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
      for (let d = 0; d < dim; d++) v[d]! *= inv;
      next.set(i, v);
    }
    current = next;
  }
  for (const i of moving) {
    const off = i * dim;
    let s = 0;
    for (let d = 0; d < dim; d++) s += table[off + d]! * table[off + d]!;
    const len = Math.sqrt(s);
    // Back from the centred space: the row's own centred length, plus the mean; then its original length.
    const ownLen = ownLength.get(i)!;
    const q = current.get(i)!.map((x, d) => x * ownLen + mean[d]!);
    let qs = 0;
    for (let d = 0; d < dim; d++) qs += q[d]! * q[d]!;
    const k = qs > 0 ? len / Math.sqrt(qs) : 0;
    for (let d = 0; d < dim; d++) table[off + d] = q[d]! * k;
  }
  return moving.length;
}

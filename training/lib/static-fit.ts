/**
 * @module training/lib/static-fit
 * The numerical parts of the static-embedding distillation (training/tasks/static-embed.ts): a PCA basis by
 * subspace iteration, and the regression of a unit → vector table so that the normalised sum of a sentence's unit
 * vectors matches a teacher's sentence vector (cosine loss, sparse Adam, pulled towards the initial table).
 */
import type { Rng } from '../../src/core/rng.ts';

/** Row-major matrix. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/** Mean of the rows, and the top-`k` principal directions (orthonormal, `cols × k` column basis stored as k rows). */
export function pca(x: Matrix, k: number, rng: Rng, iterations = 30): { mean: Float32Array; basis: Matrix } {
  const { rows, cols, data } = x;
  const mean = new Float64Array(cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += data[r * cols + c]!;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  // Covariance (cols × cols), f64.
  const cov = new Float64Array(cols * cols);
  const centred = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) centred[c] = data[r * cols + c]! - mean[c]!;
    for (let i = 0; i < cols; i++) {
      const ci = centred[i]!;
      if (ci === 0) continue;
      const row = i * cols;
      for (let j = i; j < cols; j++) cov[row + j]! += ci * centred[j]!;
    }
  }
  for (let i = 0; i < cols; i++) for (let j = i; j < cols; j++) cov[j * cols + i] = cov[i * cols + j]! /= rows;
  // Subspace iteration: Q (k × cols, rows orthonormal) ← orth(Q C).
  let q = new Float64Array(k * cols);
  for (let i = 0; i < q.length; i++) q[i] = rng() - 0.5;
  orthonormalize(q, k, cols);
  for (let it = 0; it < iterations; it++) {
    const z = new Float64Array(k * cols);
    for (let a = 0; a < k; a++) {
      const qa = a * cols;
      for (let i = 0; i < cols; i++) {
        const v = q[qa + i]!;
        if (v === 0) continue;
        const ci = i * cols;
        for (let j = 0; j < cols; j++) z[qa + j]! += v * cov[ci + j]!;
      }
    }
    orthonormalize(z, k, cols);
    q = z;
  }
  return { mean: Float32Array.from(mean), basis: { rows: k, cols, data: Float32Array.from(q) } };
}

/** Modified Gram-Schmidt on the `k` rows of `m` (length `n` each), in place. */
function orthonormalize(m: Float64Array, k: number, n: number): void {
  for (let a = 0; a < k; a++) {
    const oa = a * n;
    for (let b = 0; b < a; b++) {
      const ob = b * n;
      let d = 0;
      for (let i = 0; i < n; i++) d += m[oa + i]! * m[ob + i]!;
      for (let i = 0; i < n; i++) m[oa + i]! -= d * m[ob + i]!;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += m[oa + i]! * m[oa + i]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let i = 0; i < n; i++) m[oa + i]! *= inv;
  }
}

/** `normalize((v − mean) · basisᵀ)`: a teacher vector in the reduced space, unit length. */
export function project(v: Float32Array, offset: number, mean: Float32Array, basis: Matrix, out: Float32Array, outOffset: number, normalize = true): void {
  const { rows: k, cols } = basis;
  let s = 0;
  for (let a = 0; a < k; a++) {
    let d = 0;
    const ba = a * cols;
    for (let i = 0; i < cols; i++) d += (v[offset + i]! - mean[i]!) * basis.data[ba + i]!;
    out[outOffset + a] = d;
    s += d * d;
  }
  if (normalize && s > 0) {
    const inv = 1 / Math.sqrt(s);
    for (let a = 0; a < k; a++) out[outOffset + a]! *= inv;
  }
}

/** The cosine of the normalised unit sum of `units` with the unit target row `t` of `targets`. */
export function sentenceCosine(table: Float32Array, dim: number, units: readonly number[], targets: Float32Array, t: number, acc = new Float32Array(dim)): number {
  acc.fill(0);
  for (const u of units) {
    const o = u * dim;
    for (let d = 0; d < dim; d++) acc[d]! += table[o + d]!;
  }
  let n = 0;
  let st = 0;
  for (let d = 0; d < dim; d++) {
    n += acc[d]! * acc[d]!;
    st += acc[d]! * targets[t * dim + d]!;
  }
  return n > 0 ? st / Math.sqrt(n) : 0;
}

/** Options of {@link fitTable}. */
export interface FitOptions {
  epochs: number;
  batch: number;
  lr: number;
  /** Weight of ‖E − E_init‖² per touched row (keeps rare units near their own encoding). */
  lambda: number;
  rng: Rng;
  /** Called after each epoch with the mean train loss; returns the held-out score to keep the best epoch by. */
  onEpoch(epoch: number, trainLoss: number, table: Float32Array): number;
}

/**
 * Fit `table` (rows × dim, in place from its initial values) so that for each sentence i,
 * cos(Σ_{u∈units[i]} table[u], targets[i]) is high: loss 1 − cos, sparse Adam over the rows a batch touches.
 * Returns the table of the epoch with the best held-out score (from `onEpoch`).
 */
export function fitTable(table: Float32Array, dim: number, units: readonly (readonly number[])[], targets: Float32Array, o: FitOptions): { table: Float32Array; best: number; bestEpoch: number } {
  const init = table.slice();
  const m = new Float32Array(table.length);
  const v = new Float32Array(table.length);
  const grad = new Float32Array(table.length);
  const steps = new Uint32Array(table.length / dim);
  const order = units.map((_, i) => i);
  const acc = new Float32Array(dim);
  const g = new Float32Array(dim);
  const b1 = 0.9;
  const b2 = 0.999;
  let best = -Infinity;
  let bestEpoch = -1;
  let bestTable = table.slice();
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(o.rng() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    let lossSum = 0;
    for (let start = 0; start < order.length; start += o.batch) {
      const touched = new Set<number>();
      const end = Math.min(order.length, start + o.batch);
      for (let k = start; k < end; k++) {
        const i = order[k]!;
        const us = units[i]!;
        if (us.length === 0) continue;
        acc.fill(0);
        for (const u of us) {
          const off = u * dim;
          for (let d = 0; d < dim; d++) acc[d]! += table[off + d]!;
        }
        let n2 = 0;
        let st = 0;
        for (let d = 0; d < dim; d++) {
          n2 += acc[d]! * acc[d]!;
          st += acc[d]! * targets[i * dim + d]!;
        }
        const n = Math.sqrt(n2) || 1e-8;
        const c = st / n;
        lossSum += 1 - c;
        // dL/ds = −(t − c·ŝ)/‖s‖
        for (let d = 0; d < dim; d++) g[d] = -(targets[i * dim + d]! - (c * acc[d]!) / n) / n;
        for (const u of us) {
          touched.add(u);
          const off = u * dim;
          for (let d = 0; d < dim; d++) grad[off + d]! += g[d]!;
        }
      }
      const scale = 1 / (end - start);
      for (const u of touched) {
        const t = ++steps[u]!;
        const c1 = 1 - b1 ** t;
        const c2 = 1 - b2 ** t;
        const off = u * dim;
        for (let d = 0; d < dim; d++) {
          const k = off + d;
          const gk = grad[k]! * scale + o.lambda * (table[k]! - init[k]!);
          grad[k] = 0;
          m[k] = b1 * m[k]! + (1 - b1) * gk;
          v[k] = b2 * v[k]! + (1 - b2) * gk * gk;
          table[k]! -= (o.lr * (m[k]! / c1)) / (Math.sqrt(v[k]! / c2) + 1e-8);
        }
      }
    }
    const score = o.onEpoch(epoch, lossSum / order.length, table);
    if (score > best) {
      best = score;
      bestEpoch = epoch;
      bestTable = table.slice();
    }
  }
  return { table: bestTable, best, bestEpoch };
}

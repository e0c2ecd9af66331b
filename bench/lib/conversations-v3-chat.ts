/**
 * @module bench/lib/conversations-v3-chat
 * The talk around the facts in generator v3: greetings and goodbyes, reactions, questions back, off-topic chatter,
 * photos, and NEAR-TOPIC turns that reuse a question's own words without answering it. Fragments are combined
 * (opener + body + tail) so a conversation rarely repeats a line. Like the pools, every list is split by position
 * into `dev` and `blind` halves (./conversations-v3-pools.ts `half`).
 */

/** Start of a sitting ({O} the other speaker). */
export const GREETINGS = [
  'hey {O}! long time, how have you been?', 'heyyy, sorry I went quiet, work has been insane', 'morning! you around?', 'hiya, got a sec? been a week',
  'hello stranger!! what’s new with you', 'hey hey, finally a free evening', 'ok I have coffee, tell me everything', 'yo, you alive over there?',
  'hi {O}, hope the week’s been kind', 'hey you, guess who has news', 'evening! the kids are finally asleep', 'hello hello, what did I miss',
];

/** End of a sitting. */
export const GOODBYES = [
  'gotta run, talk soon!', 'night! sleep well', 'ok I need to go make dinner, chat later', 'bye for now, this was nice',
  'off to bed, speak this weekend?', 'right, back to the grind, laters', 'love this, catch up again soon', 'ttyl, my bus is here',
  'have a good one {O}!', 'speak soon, take care of yourself', 'going to crash now, bye!', 'ciao, message me when you’re free',
];

/** Short reactions to what the other just said. */
export const REACTIONS = [
  'haha no way', 'omg that’s amazing', 'ugh I feel that so much', 'wait really??', 'that is so you lol', 'oh no, are you ok?',
  'stop, that’s hilarious', 'honestly iconic', 'I love that for you', 'noooo', 'ha, classic', 'aww that’s lovely', 'yikes',
  'you’re braver than me', 'ok that made my day', 'I can’t believe that', 'ha I knew it', 'that sounds exhausting', 'good for you!!', 'mood',
];

/** Tails that extend a reaction into a real turn. */
export const TAILS = [
  'tell me more when you can', 'I’d have lost it completely', 'same thing happened to my cousin once', 'you deserve a nap after that',
  'how do you even find the energy', 'I’m saving that story for later', 'we should do something about it next time', 'I honestly laughed out loud on the train',
  'not gonna lie I’m jealous', 'that is peak you energy', 'keep me posted', 'the universe is testing you',
  'I’d need a week to recover', 'you always end up in these situations', 'proud of you honestly', 'what a week you’re having',
];

/** Questions back (the other keeps the chat going). */
export const QUESTIONS_BACK = [
  'how’s your week been?', 'what are you up to this weekend?', 'did you end up watching that show I sent?', 'how’s work treating you?',
  'any plans for the holidays?', 'are you sleeping any better?', 'what did you have for dinner?', 'how’s the family doing?',
  'did you ever sort out that thing with your landlord?', 'what’s the weather like over there?', 'read anything good lately?', 'how’s your mum?',
  'are you still doing that early-morning thing?', 'what’s the plan for your birthday?', 'did you get my voice note?', 'any gossip?',
];

/** Off-topic bodies (errands, weather, shows, sleep, the commute). */
export const OFF_TOPIC = [
  'the weather has been grim all week, rain sideways', 'I binged the whole season of that baking show in two days', 'my phone screen cracked again, third time this year',
  'the neighbours are renovating and the drilling starts at 7', 'tried that new ramen place, the broth was salty but I’d go back', 'slept eleven hours on Sunday and still woke up tired',
  'traffic on the ring road was a nightmare, 40 minutes to go 3 miles', 'found a fiver in an old coat pocket, best day', 'my plants are dying and I don’t know why',
  'the supermarket moved everything around again, I was lost for ages', 'bought way too many snacks for a movie night that got cancelled', 'there’s a fox that sits in our garden every evening now',
  'I’ve been obsessed with this podcast about shipwrecks', 'our wifi died for two days and I read a whole magazine', 'made soup, ate soup, that was my whole Tuesday',
  'I keep forgetting to call the dentist back', 'the cafe on the corner started doing oat lattes, finally', 'somebody parked across my driveway again',
  'I tried meditating and fell asleep after four minutes', 'my inbox is at 900 unread, I’ve given up', 'the heating broke and we’re living in jumpers',
  'watched a documentary about octopuses, they are geniuses', 'spent an hour choosing a paint colour and picked white', 'the train was cancelled so I walked, very dramatic',
];

/** Photo captions that are chatter, not facts. */
export const PHOTO_CHATTER = [
  '[shares a photo: a grey sky over a car park] the view from my desk, glamorous', '[shares a photo: a steaming bowl of noodles] lunch of champions',
  '[shares a photo: a very fluffy cloud shaped like a shoe] look', '[shares a photo: a rainbow over the rooftops] this just happened',
  '[shares a photo: a messy desk with three empty mugs] my natural habitat', '[shares a photo: a sunset behind a block of flats] not bad for a Tuesday',
  '[shares a photo: a queue outside a bakery] worth it apparently', '[shares a photo: autumn leaves on a wet pavement] walk home was pretty',
  '[shares a photo: a plate of slightly burnt pancakes] brunch attempt', '[shares a photo: a street musician with a tuba] the tuba guy is back',
];

/**
 * Near-topic turns: {T} is a word or phrase a question uses (its topic), said without the fact — the other
 * person's own experience, a wish, an opinion, a joke. These are what lexical retrieval finds first.
 */
export const NEAR_TOPIC = [
  'I’ve always wanted to get into {T}, is it as hard as it looks?', 'my coworker won’t shut up about {T}, it’s all she talks about', 'honestly {T} sounds fun until you actually have to do it',
  'do you think {T} is overrated? be honest', 'I saw a video about {T} last night and fell down a rabbit hole', 'my cousin is obsessed with {T}, it’s a whole personality',
  'someday I’ll have time for {T}, maybe when I retire lol', 'is it weird that {T} stresses me out?', 'there was a whole article about {T} in the paper this morning',
  '{T} came up at work today and everyone had opinions', 'not me googling {T} at 1am again', 'my mum asked me about {T} and I had no idea what to say',
  'we should talk about {T} properly some time, I have thoughts', 'every time I think about {T} I remember that disaster at uni', 'I nearly signed up for something with {T} but chickened out',
  'ok unpopular opinion but {T} is the best', 'my neighbour does {T} and I can hear it through the wall', 'remind me to tell you my {T} story, it’s a long one',
];

/** Frames around an evidence statement ({S}): the fact is said in passing, amid other things. */
export const EVIDENCE_FRAMES = [
  '{S}', 'not much tbh, {S}', 'oh! forgot to tell you, {S}', 'ugh, {S}. anyway how are you?', '{S} lol', 'so {S}, and that was basically my week',
  'random but {S}', 'busy as always, {S}', 'update: {S}', 'honestly {S}, still processing', 'ha well, {S}', 'long story short, {S}',
];

/** Follow-ups by the speaker after a fact, near the topic but without the fact. */
export const FOLLOW_UPS = [
  'anyway that’s enough about me', 'still laughing about it honestly', 'I’ll tell you the full story in person', 'it was a lot, but a good lot',
  'I think I need a holiday from my holiday', 'you would have loved it', 'I keep replaying it in my head', 'more on that saga later',
  'it’s been a week, I swear', 'I need to stop oversharing lol', 'my mum thinks I’m mad', 'no regrets though',
];

/** The other speaker's lead-in to a topic ({T} topic word). */
export const LEAD_INS = [
  'how’s the {T} stuff going?', 'wait, what happened with {T}?', 'didn’t you say something about {T} last time?', 'so any news on the {T} front?',
  'tell me everything about the {T}!', 'ok I need the {T} update', 'whatever happened with the {T} thing?', 'you were going to tell me about {T}',
];

/** The other speaker's reaction that repeats the topic ({T}), as people do ("a pottery class! so jealous"). */
export const ECHO_REACTIONS = [
  '{T}?? that’s amazing, how was it?', 'ooh {T}, tell me more', 'wait, {T}? since when!', 'ha, {T}, of course it was you',
  'no way, {T}! I’m so jealous', '{T} sounds like a lot, are you ok?', 'ok the {T} thing is very on brand', 'love that, {T} suits you',
];

/**
 * Compositional chatter: a core sentence with slots ({food} {person} {place} {object} {weather} {feeling} {show}
 * {errand} {day}), so fillers draw on a large vocabulary and rarely repeat. Slot pools split by position too.
 */
export const CORES = [
  '{person} brought {food} to work and now everyone wants the recipe', 'spent {day} doing {errand}, thrilling stuff', 'the {weather} today has me feeling {feeling}',
  'I finally fixed {object}, only took three youtube videos', '{person} keeps sending me memes at 2am', 'we ordered {food} and ate it on the floor like students',
  'I lost {object} somewhere near {place}', 'been watching {show}, it is ridiculous and I love it', '{person} asked me to help with {errand}, I said yes like an idiot',
  'went past {place} and it was heaving', 'cooked {food} from scratch and it was honestly edible', 'my {object} made a weird noise and then died',
  'queued at {place} for twenty minutes for {food}', '{person} dyed their hair blue, it actually suits them', 'I need a new {object}, mine is held together with tape',
  'the {weather} ruined my plans for {day}', 'someone at {place} complimented my coat, still riding that high', 'fell asleep during {show} again',
  '{person} is moving desks and has been weirdly emotional about it', 'tried to do {errand} but the place was shut', 'I ate {food} for breakfast, lunch and dinner',
  'my back hurts from carrying {object} up the stairs', '{person} told me a story about {place} that I can’t repeat', 'started {show} on a whim, now it’s 1am',
  'the {weather} means the washing never dries', 'I’ve been feeling {feeling} all week, no idea why', 'got stuck behind a tractor on the way to {place}',
  '{person} recommended {show}, we’ll see', 'the smell of {food} from next door is torture', 'I keep meaning to sort out {errand}',
];
export const SLOTS: Record<string, string[]> = {
  person: ['my flatmate', 'my boss', 'my neighbour', 'my cousin', 'a guy on the bus', 'my mum', 'the barista', 'my coworker', 'the landlord', 'my dentist', 'my aunt', 'the postman', 'my best mate', 'our team lead', 'the plumber', 'my uncle', 'the new intern', 'my old roommate', 'the lady downstairs', 'my gym buddy'],
  food: ['lasagne', 'a mountain of dumplings', 'banana bread', 'spicy noodles', 'fish tacos', 'a suspicious quiche', 'chickpea curry', 'cold pizza', 'a whole watermelon', 'leek soup', 'pad thai', 'cheese toasties', 'falafel wraps', 'mushroom risotto', 'jollof rice', 'shakshuka', 'chilli con carne', 'gyoza', 'apple crumble', 'pho'],
  place: ['the high street', 'the big supermarket', 'the launderette', 'the post office', 'the petrol station', 'the corner shop', 'the train station', 'the town hall', 'the retail park', 'the market', 'the bank', 'the library car park', 'the chippy', 'the hardware store', 'the bus depot', 'the garden centre'],
  object: ['the dishwasher', 'my headphones', 'the bathroom tap', 'my umbrella', 'the printer', 'my favourite mug', 'the toaster', 'my glasses', 'the wardrobe door', 'my charger', 'the kettle', 'my wallet', 'the hoover', 'my bike lock', 'the smoke alarm', 'my keys'],
  weather: ['drizzle', 'heatwave', 'fog', 'wind', 'hail', 'humidity', 'grey sky', 'sleet', 'storm', 'frost'],
  feeling: ['weirdly calm', 'completely frazzled', 'a bit flat', 'oddly optimistic', 'sleepy', 'restless', 'cranky', 'chuffed', 'overwhelmed', 'nostalgic', 'wired', 'fine, just fine'],
  show: ['that cooking competition', 'a true crime series', 'a Korean drama', 'an old sitcom', 'a nature documentary', 'a dating show', 'a spy thriller', 'a quiz show', 'a period drama', 'an anime about volleyball', 'a reality show about builders', 'a detective series'],
  errand: ['the tax return', 'the car MOT', 'returning a parcel', 'renewing my passport', 'the weekly shop', 'cleaning the oven', 'sorting the recycling', 'a dentist appointment', 'the council tax form', 'getting a key cut', 'defrosting the freezer', 'ironing a mountain of shirts'],
  day: ['Sunday', 'the whole morning', 'my lunch break', 'Saturday afternoon', 'the evening', 'my day off', 'all of Monday', 'half the weekend'],
};

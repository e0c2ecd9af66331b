/**
 * @module training/data/quality-phrases
 * Phrase banks of the quality conversations, each split in two disjoint halves: `train` phrases appear only in the
 * training families, `heldout` phrases only in the held-out families. Written before any model was fitted and not
 * edited to suit one. `{verb}`, `{obj}`, `{problem}`, `{name}`, `{agent}` are filled in by the generator.
 */

/** A bank: the phrases of the training families, those of the held-out ones, and those of the blind families. */
export interface Bank {
  train: string[];
  heldout: string[];
  /** Written after the model was trained and its features fixed; evaluated once, never used to revise anything. */
  blind: string[];
}

/** Ways to ask for a task (the rephrasings of a repeated ask come from here too). */
export const ASK: Bank = {
  train: [
    'How do I {verb} my {obj}?',
    'Can you tell me how to {verb} the {obj}?',
    'What is the way to {verb} my {obj}?',
    'I need to {verb} the {obj}. How?',
    'Is it possible to {verb} my {obj}?',
    'Where do I go to {verb} the {obj}?',
    'how can i {verb} the {obj}',
  ],
  heldout: [
    'Any idea how I can {verb} my {obj}?',
    'Walk me through how to {verb} the {obj}, please.',
    'What steps do I follow to {verb} my {obj}?',
    'I want to {verb} the {obj} - what do I do?',
    'Could you explain how one would {verb} the {obj}?',
    'help me {verb} my {obj}?',
    'Is there an option somewhere to {verb} the {obj}?',
  ],
  blind: ['So how would I {verb} my {obj}?', 'What do I need to do to {verb} the {obj}?', 'Can I {verb} my {obj} myself, and how?', 'Please tell me the way to {verb} the {obj}.', 'Need help to {verb} my {obj}.', 'Is there a self-service way to {verb} the {obj}?'],
};

/** Openers before the problem. */
export const OPENER: Bank = {
  train: ['Hi,', 'Hello.', 'Hey there,', 'Good morning,', 'Hi team,', ''],
  heldout: ['Greetings,', 'Evening all.', 'Yo,', 'Hi folks -', 'Dear support,', ''],
  blind: ['Hiya,', 'Morning!', 'Hello support,', 'Hi again,', ''],
};

/** How a problem is introduced (negative words about the situation, not the service). */
export const PROBLEM: Bank = {
  train: ['Since this morning {problem}.', 'I have an issue: {problem}.', 'Not sure what happened but {problem}.', 'Problem here - {problem}.'],
  heldout: ['Quick heads-up, {problem}.', 'So basically {problem}.', 'Ran into trouble today: {problem}.', 'Weird one: {problem}.'],
  blind: ['Something is off: {problem}.', 'Since the weekend {problem}.', 'Hoping you can help, {problem}.', 'Long story short, {problem}.'],
};

/** Markers a user puts before asking the same thing again. */
export const REPEAT_MARKER: Bank = {
  train: ['Like I said,', 'Again:', 'I already asked this, but', 'Once more:', 'As I wrote above,'],
  heldout: ['As I mentioned before,', 'Repeating myself here:', 'Let me ask again -', 'For the third time,', 'I asked earlier:'],
  blind: ['Sorry to repeat, but', 'Asking one more time:', 'Coming back to my question -', 'You did not answer this:'],
};

/** Asking something new (a real new question, not a repeat). */
export const NEW_ASK_LEAD: Bank = {
  train: ['Got it. Another thing:', 'Thanks. Also,', 'Okay, and separately,', 'Understood. Next question:'],
  heldout: ['Makes sense. One more:', 'Cool, and also', 'Right. Different topic:', 'Noted. Then'],
  blind: ['Good to know. Next:', 'Okay. Separate thing -', 'Great, that is clear. Also', 'Fine. And'],
};

/** A neutral acknowledgement mid-conversation. */
export const ACK: Bank = {
  train: ['Okay, let me try that.', 'One moment, checking.', 'Alright.', 'I see.', 'Trying it now.'],
  heldout: ['Hmm, ok, doing that.', 'Give me a sec.', 'Sure.', 'Noted, on it.', 'Let me look.'],
  blind: ['Okay, will do.', 'Checking now.', 'Right, one sec.', 'Got it, trying.'],
};

/** Reporting that an attempt failed (mildly negative, not yet angry). */
export const FAILED: Bank = {
  train: ['That did not change anything.', 'I tried that and it still fails.', 'No, same problem.', 'It did not work, unfortunately.'],
  heldout: ['Nope, no difference.', 'Did exactly that, nothing changed.', 'Still the same error on my side.', "That step doesn't exist on my screen."],
  blind: ['No change at all.', 'Tried it, same result.', 'It is still broken.', 'That option is greyed out for me.'],
};

/** Frustration at the service (lexical). */
export const FRUSTRATED: Bank = {
  train: [
    'This is ridiculous.',
    'Still not working!!',
    'Ugh. This is a waste of my time.',
    'Are you even reading what I write?',
    'I am so fed up with this.',
    'This is the worst support ever.',
    'You are not helping at all.',
    'Your answers make no sense.',
    'Why is this so complicated?!',
  ],
  heldout: [
    'Seriously?',
    'Nothing you suggest works.',
    "I'm losing my patience here.",
    'Unbelievable. Useless answers.',
    'How hard can this be?!',
    'This is a joke. Honestly terrible.',
  ],
  blind: ['I am getting really annoyed now.', 'This is absurd, honestly.', 'Why do I keep getting the same canned reply?', 'You people never fix anything.', 'I have wasted an hour on this!', 'Enough. This is hopeless.'],
};

/** Sarcasm: positive words, frustrated meaning. */
export const SARCASM: Bank = {
  train: ['Great, just great.', 'Oh wonderful, another error.', 'Fantastic, that broke it even more.', 'Thanks a lot, really helpful.'],
  heldout: ['Perfect. Now it is worse.', 'Wow, super helpful, thanks.', 'Brilliant, thanks for nothing.', 'Lovely, yet another dead end.'],
  blind: ['Oh great, that totally worked. Not.', 'Wonderful advice, now nothing loads.', 'Amazing, back to square one.', 'Super, thanks, it is broken again.'],
};

/** Asking for escalation. */
export const ESCALATE: Bank = {
  train: ['I want to talk to a human.', 'Get me a manager please.', 'I want to file a complaint.'],
  heldout: ['Can I speak with a real person?', 'Put me through to your supervisor.', 'Escalate this, now.'],
  blind: ['I need someone senior on this.', 'Transfer me to a person who can actually help.', 'I am filing a formal complaint.'],
};

/** Some progress, the mood lifts. */
export const PROGRESS: Bank = {
  train: ['Oh nice, that looks better.', 'Okay, that is progress.', 'Good, the first part worked.'],
  heldout: ['Ah, that helped a bit.', 'Getting somewhere now, good.', 'Ok cool, step one done.'],
  blind: ['Ok, that part works now.', 'Nice, we are getting closer.', 'Good, that looks right.'],
};

/** Resolved: thanks and success. */
export const CLOSE_RESOLVED: Bank = {
  train: ['Thanks, that fixed it!', 'Perfect, works now. Thank you.', 'Great, all sorted. Have a nice day.', 'That did the trick, cheers.', 'It worked, thank you so much!'],
  heldout: ['Awesome, problem solved, much appreciated.', 'Yes! That was it. Thanks so much.', 'Excellent, everything is back to normal. Thank you!', 'Brilliant, all good now, thanks!', 'Wonderful, it is working again.'],
  blind: ['Sorted, thank you very much!', 'That fixed it, you are a star.', 'Works perfectly now, thanks a lot.', 'All fixed, cheers for the help!', 'Great, it works. Thank you!'],
};

/** Resolved, but terse and without thanks. */
export const CLOSE_TERSE_OK: Bank = {
  train: ['ok works', 'done.', 'yep that was it', 'fine now.'],
  heldout: ['k, good now', 'works.', 'ok sorted', 'yup, running.'],
  blind: ['ok fixed', 'all good.', 'works now', 'yep, done'],
};

/** Resolved after frustration: relief mixed with complaint. */
export const CLOSE_RELIEF: Bank = {
  train: ['Finally! It works. Took long enough.', 'Ok that finally fixed it. Thanks, I guess.'],
  heldout: ['At last, working. Painful, but thanks.', 'Phew, finally sorted. That was a long road.'],
  blind: ['Finally working. That took ages, but thanks.', 'Ok, it works at last. Not a great experience.'],
};

/** Unresolved, but polite (thanks present). */
export const CLOSE_POLITE_UNRESOLVED: Bank = {
  train: ['Thanks for trying anyway, I will look elsewhere.', 'Okay, thank you. I will just wait then.', 'I appreciate the help, but it still does not work.'],
  heldout: ['Thank you for your time, I guess I will call the store.', 'Alright, thanks. I will live with it for now.', 'Kind of you to try, but no luck on my end.'],
  blind: ['Thanks anyway, I will try another way.', 'Okay, thank you, I will ask a friend.', 'Appreciate it, but the problem is still there.'],
};

/** Unresolved: giving up. */
export const CLOSE_ABANDON: Bank = {
  train: ['forget it.', 'Never mind, I will figure it out myself.', 'Whatever, I am cancelling.'],
  heldout: ['I give up.', 'Not worth it. Bye.', 'Leave it, I will switch providers.'],
  blind: ['Forget about it.', 'I am done with this, bye.', 'Not bothering anymore.'],
};

/** Assistant: vague, hedging or deflecting answers. */
export const VAGUE: Bank = {
  train: [
    'I understand your concern. Let me look into that for you.',
    'Sometimes these things sort themselves out after a while.',
    'I am not sure about that, unfortunately.',
    'I will pass this on to the team.',
    'Could you try again later?',
  ],
  heldout: [
    'Thanks for your patience while we review this.',
    'That can depend on several factors.',
    'I am unable to see that from here, sorry.',
    'Our specialists may be able to help with that.',
    'It may be a temporary issue on our side.',
  ],
  blind: ['We are aware of some issues and are working on it.', 'This should resolve itself soon.', 'I cannot check that from here, unfortunately.', 'Please bear with us.', 'Let me escalate internally.'],
};

/** Assistant: a clarifying question. */
export const CLARIFY: Bank = {
  train: ['Which device are you using?', 'Can you share the exact error message?', 'When did this start?'],
  heldout: ['What version of the app do you have?', 'Could you send a screenshot of that?', 'Does it happen every time?'],
  blind: ['Which browser are you on?', 'What exactly do you see on the screen?', 'Did you change anything recently?'],
};

/** Assistant: polite framing around a concrete fix. */
export const FIX_LEAD: Bank = {
  train: ['Sure, here is how:', 'Happy to help.', 'You can do it like this:', ''],
  heldout: ['No problem -', 'Here you go:', 'Try the following:', ''],
  blind: ['Of course.', 'Here is what to do:', 'Please do this:', ''],
};

/** Assistant: an apology (said in resolved and unresolved sessions alike). */
export const APOLOGY: Bank = {
  train: ['Sorry about that.', 'I apologise for the trouble.'],
  heldout: ['My apologies.', 'Sorry for the hassle.'],
  blind: ['Apologies for that.', 'Sorry to hear that.'],
};

/** Assistant after a thank-you. */
export const ASSISTANT_BYE: Bank = {
  train: ['Glad I could help!', 'You are welcome, take care.'],
  heldout: ['Happy to help, bye!', 'Anytime. Have a good one.'],
  blind: ['Glad it is sorted!', 'Have a great day.'],
};

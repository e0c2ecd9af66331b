/**
 * @module training/data/quality-domains
 * Vocabulary of the quality conversations (./quality-conversations.ts): support domains, each with tasks (a verb,
 * its synonyms and an object), problems, concrete fixes and vague non-answers. The `train` and `heldout` domains
 * share no domain and (apart from function words) little vocabulary, so a model cannot lean on topic words.
 */

/** One support domain. */
export interface Domain {
  name: string;
  /** What a user wants done: verb (with synonyms for rephrasings) and object (with synonyms). */
  tasks: { verbs: string[]; objs: string[] }[];
  /** How a user describes what is wrong (often with negative words: a confounder for frustration). */
  problems: string[];
  /** Concrete assistant steps (numbers, menu paths, commands). */
  fixes: string[];
  /** Tools the assistant may call. */
  tools: string[];
}

/** Domains of the training families. */
export const TRAIN_DOMAINS: Domain[] = [
  {
    name: 'home-internet',
    tasks: [
      { verbs: ['reset', 'restart', 'reboot'], objs: ['router', 'wifi box'] },
      { verbs: ['change', 'update', 'set'], objs: ['wifi password', 'network key'] },
      { verbs: ['upgrade', 'raise', 'boost'], objs: ['bandwidth plan', 'internet speed'] },
      { verbs: ['find', 'locate', 'look up'], objs: ['router admin page', 'modem settings page'] },
    ],
    problems: ['the connection keeps dropping every few minutes', 'the wifi is painfully slow in the evening', 'the modem light is blinking red', 'my devices lost the network after a storm'],
    fixes: [
      'Unplug the router for 30 seconds, plug it back in and wait for the light to turn solid green (about 2 minutes).',
      'Open 192.168.1.1 in a browser, log in with the sticker password, then go to Wireless > Security and set a new key.',
      'Go to Account > Plans, pick the 500 Mbps tier and confirm; the change applies within 15 minutes.',
      'Hold the reset pin for 10 seconds, then run the setup wizard at 192.168.0.1 step by step.',
    ],
    tools: ['line_diagnostics', 'lookup_account'],
  },
  {
    name: 'billing',
    tasks: [
      { verbs: ['download', 'export', 'get a copy of'], objs: ['invoice', 'monthly bill'] },
      { verbs: ['change', 'update', 'replace'], objs: ['payment card', 'billing card'] },
      { verbs: ['dispute', 'contest', 'challenge'], objs: ['late fee', 'extra charge'] },
      { verbs: ['cancel', 'stop', 'end'], objs: ['auto renewal', 'automatic payment'] },
    ],
    problems: ['I was charged twice this month', 'there is a fee I never agreed to', 'my payment failed and now the account is suspended', 'the invoice shows the wrong address'],
    fixes: [
      'Go to Billing > Invoices, select the month and click Download PDF at the top right.',
      'Open Settings > Payment methods, click Add card, enter the new card and set it as default, then remove the old one.',
      'I have refunded the duplicate charge of $24.99; it shows on your statement in 3 to 5 business days (reference R-1182).',
      'Under Billing > Renewal, switch Auto-renew off and confirm with the code we email you.',
    ],
    tools: ['billing_lookup', 'issue_refund'],
  },
  {
    name: 'mobile-plan',
    tasks: [
      { verbs: ['activate', 'turn on', 'enable'], objs: ['roaming', 'data abroad'] },
      { verbs: ['transfer', 'port', 'move'], objs: ['phone number', 'old number'] },
      { verbs: ['check', 'see', 'view'], objs: ['data usage', 'remaining data'] },
      { verbs: ['unlock', 'release', 'free up'], objs: ['handset', 'phone'] },
    ],
    problems: ['I have no signal since yesterday', 'my data stopped working abroad', 'the SIM says invalid', 'calls drop after ten seconds'],
    fixes: [
      'Dial *123# and choose option 4, then restart the phone; roaming is active within 10 minutes.',
      'Text PORT to 2020 to get your transfer code, then give the code to the new carrier.',
      'Open the app, tap Usage and you will see the GB used since the 1st of the month.',
      'Go to Settings > Mobile network > APN and set the APN to internet.carrier.net, then reboot.',
    ],
    tools: ['network_status', 'lookup_line'],
  },
  {
    name: 'online-orders',
    tasks: [
      { verbs: ['track', 'follow', 'trace'], objs: ['package', 'parcel'] },
      { verbs: ['return', 'send back', 'exchange'], objs: ['jacket', 'shoes'] },
      { verbs: ['change', 'edit', 'correct'], objs: ['delivery address', 'shipping address'] },
      { verbs: ['apply', 'use', 'redeem'], objs: ['discount code', 'coupon'] },
    ],
    problems: ['my order arrived damaged', 'the parcel is marked delivered but it never came', 'I received the wrong size', 'the coupon was rejected at checkout'],
    fixes: [
      'Your parcel 1Z99-4471 is at the local depot and will be delivered tomorrow before 12:00.',
      'Go to Orders, click Return next to the item, print the label and drop it at any post office within 30 days.',
      'I have updated the address on order #55812 to the new one; the courier has it now.',
      'Enter the code in the Promo box on the payment step, not in the cart; it takes 15% off.',
    ],
    tools: ['order_status', 'create_return'],
  },
  {
    name: 'email-client',
    tasks: [
      { verbs: ['set up', 'configure', 'add'], objs: ['email account', 'mailbox'] },
      { verbs: ['recover', 'restore', 'get back'], objs: ['deleted emails', 'lost messages'] },
      { verbs: ['block', 'filter', 'stop'], objs: ['spam', 'junk mail'] },
      { verbs: ['sync', 'connect', 'link'], objs: ['calendar', 'contacts'] },
    ],
    problems: ['emails are stuck in the outbox', 'I keep getting a password error', 'the inbox stopped syncing', 'attachments fail to open'],
    fixes: [
      'Use IMAP server imap.mail.com port 993 with SSL, and SMTP smtp.mail.com port 587 with STARTTLS.',
      'Open the Trash folder, select the messages and click Restore; items stay there for 30 days.',
      'Go to Settings > Filters, click New filter, put the sender address and choose Delete it.',
      'In Accounts > Calendar, toggle Sync on and pull down to refresh; it takes about a minute.',
    ],
    tools: ['mailbox_check', 'search_docs'],
  },
  {
    name: 'bank-card',
    tasks: [
      { verbs: ['freeze', 'block', 'lock'], objs: ['card', 'debit card'] },
      { verbs: ['raise', 'increase', 'change'], objs: ['spending limit', 'daily limit'] },
      { verbs: ['order', 'request', 'get'], objs: ['replacement card', 'new card'] },
      { verbs: ['set', 'change', 'reset'], objs: ['PIN', 'card PIN'] },
    ],
    problems: ['my card was stolen', 'a payment was declined at the shop', 'there is a transaction I do not recognise', 'the ATM kept my card'],
    fixes: [
      'Tap Cards > Freeze in the app; the card is blocked instantly and you can unfreeze it any time.',
      'Go to Cards > Limits and drag the daily limit up to 2,000; it applies right away.',
      'I have ordered a replacement card to your home address; it arrives in 3 to 5 working days.',
      'Choose Cards > Show PIN, confirm with your fingerprint, then change it at any ATM under PIN services.',
    ],
    tools: ['card_status', 'lookup_transactions'],
  },
  {
    name: 'printer',
    tasks: [
      { verbs: ['connect', 'pair', 'hook up'], objs: ['printer', 'wireless printer'] },
      { verbs: ['install', 'update', 'download'], objs: ['printer driver', 'driver software'] },
      { verbs: ['clear', 'remove', 'fix'], objs: ['paper jam', 'stuck paper'] },
      { verbs: ['scan', 'copy', 'digitise'], objs: ['document', 'contract'] },
    ],
    problems: ['it prints blank pages', 'the printer shows offline', 'there is an error E-04', 'colours come out streaky'],
    fixes: [
      'Press the wifi button for 3 seconds, then on the computer choose Add printer and select the model that appears.',
      'Download driver 5.2.1 from the support page, run the installer and restart the computer.',
      'Open the rear door, pull the sheet out slowly with both hands, close it and press OK.',
      'Put the page face down, open the app and tap Scan > PDF; it saves to Documents.',
    ],
    tools: ['device_status', 'search_docs'],
  },
  {
    name: 'streaming',
    tasks: [
      { verbs: ['download', 'save', 'keep'], objs: ['episodes', 'shows'] },
      { verbs: ['add', 'create', 'set up'], objs: ['profile', 'kids profile'] },
      { verbs: ['change', 'switch', 'turn on'], objs: ['subtitles', 'captions'] },
      { verbs: ['log out', 'sign out', 'remove'], objs: ['old devices', 'other devices'] },
    ],
    problems: ['the video keeps buffering', 'it says too many devices', 'the app crashes on start', 'the sound is out of sync'],
    fixes: [
      'Tap the arrow icon next to an episode to download it; find it later under Downloads.',
      'Go to Profiles > Add, name it and switch Kids on; it only shows titles rated 12 and under.',
      'During playback tap the speech bubble and choose English [CC]; it remembers the choice.',
      'Go to Account > Devices and click Sign out of all devices; it takes up to 8 hours on TVs.',
    ],
    tools: ['playback_diagnostics', 'lookup_account'],
  },
];

/** Domains of the held-out families: none shared with training. */
export const HELDOUT_DOMAINS: Domain[] = [
  {
    name: 'cloud-deploy',
    tasks: [
      { verbs: ['deploy', 'ship', 'roll out'], objs: ['container image', 'docker image'] },
      { verbs: ['roll back', 'revert', 'undo'], objs: ['release', 'deployment'] },
      { verbs: ['scale', 'resize', 'grow'], objs: ['cluster', 'node pool'] },
      { verbs: ['rotate', 'renew', 'regenerate'], objs: ['TLS certificate', 'cert'] },
    ],
    problems: ['the pods crash in a loop', 'the build pipeline times out', 'requests return 502 after the release', 'the disk quota is exhausted'],
    fixes: [
      'Run `kubectl rollout undo deployment/web --to-revision=41`, then `kubectl rollout status deployment/web`.',
      'Set `replicas: 6` in values.yaml and run `helm upgrade web ./chart`; the new pods start in about 90 seconds.',
      'Run `certbot renew --force-renewal` and reload nginx with `systemctl reload nginx`.',
      'Push with `docker push registry.example.com/app:1.4.2` and update the tag in deploy.yaml.',
    ],
    tools: ['cluster_status', 'fetch_logs'],
  },
  {
    name: 'airline',
    tasks: [
      { verbs: ['rebook', 'move', 'reschedule'], objs: ['flight', 'connection'] },
      { verbs: ['add', 'buy', 'book'], objs: ['checked bag', 'extra luggage'] },
      { verbs: ['choose', 'pick', 'reserve'], objs: ['seat', 'window seat'] },
      { verbs: ['claim', 'request', 'file for'], objs: ['delay compensation', 'refund for the delay'] },
    ],
    problems: ['my flight was cancelled overnight', 'the check-in page errors out', 'my luggage never showed up at the belt', 'I was bumped from an overbooked flight'],
    fixes: [
      'I moved you to flight LX 318 tomorrow at 07:15, seat 14A; the new boarding pass is in your email.',
      'Open Manage booking, choose Extras > Baggage and add one 23 kg bag for 45 EUR.',
      'Your compensation claim C-20931 for 400 EUR is filed; payment follows within 14 days.',
      'Use the Seat map under Manage booking; rows 10 to 14 are free of charge on this route.',
    ],
    tools: ['booking_lookup', 'flight_status'],
  },
  {
    name: 'smart-thermostat',
    tasks: [
      { verbs: ['program', 'schedule', 'plan'], objs: ['heating', 'night temperature'] },
      { verbs: ['pair', 'link', 'join'], objs: ['thermostat', 'hub'] },
      { verbs: ['calibrate', 'adjust', 'correct'], objs: ['temperature sensor', 'room sensor'] },
      { verbs: ['enable', 'switch on', 'activate'], objs: ['away mode', 'eco mode'] },
    ],
    problems: ['the house is freezing although it is set to 21', 'the boiler clicks on and off', 'the display went blank', 'the schedule ignores my changes'],
    fixes: [
      'In the app go to Schedule > Weekdays, drag the 22:00 block to 18 °C and tap Save.',
      'Hold the ring for 8 seconds until it shows PAIR, then add the device from Home > + in the app.',
      'Open Settings > Sensor offset and set it to -1.5 °C to match the room.',
      'Tap Eco at the bottom of the home screen; it holds 16 °C until you return.',
    ],
    tools: ['device_telemetry', 'search_docs'],
  },
  {
    name: 'tax-software',
    tasks: [
      { verbs: ['import', 'upload', 'load'], objs: ['W-2 form', 'wage statement'] },
      { verbs: ['amend', 'correct', 'fix'], objs: ['filed return', 'last return'] },
      { verbs: ['claim', 'deduct', 'enter'], objs: ['home office costs', 'office expenses'] },
      { verbs: ['e-file', 'submit', 'send'], objs: ['state return', 'return'] },
    ],
    problems: ['the refund estimate dropped to zero', 'it rejects my employer ID', 'the submission was rejected with code IND-031', 'the app lost my entries'],
    fixes: [
      'Go to Income > W-2 > Import, search your employer by EIN 12-3456789 and confirm the amounts.',
      'Open Filed returns, choose 2025, click Amend and change line 12; then file form 1040-X.',
      'Under Deductions > Home office use the simplified method: 300 sq ft × $5 = $1,500.',
      'IND-031 means the prior-year AGI did not match: enter $48,210 from last year and resubmit.',
    ],
    tools: ['return_status', 'search_docs'],
  },
  {
    name: 'car-rental',
    tasks: [
      { verbs: ['extend', 'lengthen', 'prolong'], objs: ['rental', 'reservation'] },
      { verbs: ['add', 'include', 'register'], objs: ['second driver', 'extra driver'] },
      { verbs: ['upgrade', 'swap', 'switch'], objs: ['car', 'vehicle class'] },
      { verbs: ['report', 'declare', 'log'], objs: ['scratch', 'damage'] },
    ],
    problems: ['the car will not start', 'I got a toll fine from the rental', 'the pickup desk was closed', 'the deposit was never released'],
    fixes: [
      'I extended booking RC-7731 to Sunday 18:00; the extra 2 days cost 96 EUR on the same card.',
      'Bring the second driver with a licence to the desk; it is 12 EUR per day, or add it online under Drivers.',
      'Take photos of the scratch and upload them under Trip > Report damage before you return the car.',
      'The deposit hold of 300 EUR was released today; banks show it back within 5 days.',
    ],
    tools: ['reservation_lookup', 'fleet_status'],
  },
  {
    name: 'fitness-app',
    tasks: [
      { verbs: ['sync', 'connect', 'pair'], objs: ['smartwatch', 'heart rate strap'] },
      { verbs: ['export', 'back up', 'save'], objs: ['workout history', 'training log'] },
      { verbs: ['cancel', 'pause', 'freeze'], objs: ['premium membership', 'subscription'] },
      { verbs: ['reset', 'redo', 'restart'], objs: ['training plan', 'weekly goals'] },
    ],
    problems: ['my runs are missing from the log', 'the step count is way off', 'the app logs me out every day', 'GPS tracks look like zigzags'],
    fixes: [
      'Open Devices, tap + and pick your watch model; keep Bluetooth on and the watch within 1 metre.',
      'Go to Profile > Data > Export, choose CSV and the file arrives by email within 10 minutes.',
      'Under Membership > Pause you can freeze premium for up to 3 months at no cost.',
      'Settings > Plan > Reset plan rebuilds the weeks from today; your history stays.',
    ],
    tools: ['sync_status', 'lookup_account'],
  },
];

/**
 * @module training/data/quality-blind-domains
 * Domains of the blind families (see ./quality-conversations.ts): written after the quality model was trained and
 * its features fixed, evaluated once, never used to revise the model or the features.
 */
import type { Domain } from './quality-domains.ts';

export const BLIND_DOMAINS: Domain[] = [
  {
    name: 'food-delivery',
    tasks: [
      { verbs: ['cancel', 'call off', 'stop'], objs: ['order', 'delivery'] },
      { verbs: ['report', 'flag', 'complain about'], objs: ['missing item', 'missing dish'] },
      { verbs: ['change', 'edit', 'update'], objs: ['drop-off address', 'delivery location'] },
      { verbs: ['get', 'claim', 'request'], objs: ['voucher', 'credit'] },
    ],
    problems: ['my food arrived cold and an hour late', 'the rider went to the wrong street', 'half of the order was missing', 'I was charged for a cancelled order'],
    fixes: [
      'I have added a 12.50 credit to your account; it applies automatically at your next checkout.',
      'Open Orders > Current, tap Help > Missing item, tick the dish and submit; refunds post within 24 hours.',
      'Tap the pin on the map in the order screen and drag it to the right door, then press Confirm.',
      'Order #A-7781 is cancelled and the 23.90 payment is reversed to your card.',
    ],
    tools: ['order_tracker', 'refund_api'],
  },
  {
    name: 'insurance-claim',
    tasks: [
      { verbs: ['file', 'open', 'start'], objs: ['claim', 'damage claim'] },
      { verbs: ['upload', 'attach', 'send'], objs: ['repair invoice', 'receipts'] },
      { verbs: ['check', 'follow', 'see'], objs: ['claim status', 'payout status'] },
      { verbs: ['add', 'insure', 'cover'], objs: ['new laptop', 'bicycle'] },
    ],
    problems: ['a pipe burst and flooded the kitchen', 'my bike was stolen outside the station', 'the claim has been pending for weeks', 'the payout was lower than the quote'],
    fixes: [
      'Go to Claims > New claim, pick Water damage, add photos and the date; you get a number like CL-4410 at the end.',
      'In claim CL-2093 press Add documents and upload the PDF; files up to 20 MB are accepted.',
      'Claim CL-2093 is approved; 1,340 EUR will be paid to your IBAN ending 4471 on Friday.',
      'Under Policy > Items, press Add item, enter the serial number and value; cover starts at midnight.',
    ],
    tools: ['claims_db', 'policy_lookup'],
  },
  {
    name: 'video-calls',
    tasks: [
      { verbs: ['record', 'save', 'capture'], objs: ['meeting', 'call'] },
      { verbs: ['share', 'present', 'show'], objs: ['screen', 'slides'] },
      { verbs: ['blur', 'change', 'replace'], objs: ['background', 'virtual background'] },
      { verbs: ['invite', 'add', 'bring in'], objs: ['guests', 'external people'] },
    ],
    problems: ['nobody can hear me in calls', 'the camera shows a black image', 'I get kicked out after a minute', 'the app eats all my battery'],
    fixes: [
      'Click More > Record, and the file appears under Recordings about 10 minutes after the call ends.',
      'Press the Share button at the bottom, pick the window, and tick Share sound for videos.',
      'Go to Settings > Video > Background and choose Blur; it needs version 5.3 or later.',
      'Copy the link from Meeting info and send it; guests join from the browser without an account.',
    ],
    tools: ['meeting_diagnostics', 'license_lookup'],
  },
];

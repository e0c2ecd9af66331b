/**
 * @module bench/internal/serialize-cost
 * A/B of response serialisation on the hot routes, in process: `JSON.stringify` (what the app uses for every route,
 * see api/app.ts) against a serializer that fast-json-stringify compiles from the route's own response schema (what
 * Fastify would compile by default), on real responses — a single-turn append (201), the last 20 turns (200, as
 * `turnsResponseJson` builds it) and a context window of a 50-turn corpus session (200). Reports main-thread CPU per
 * call and whether the compiled serializer's output parses back to the same value (it drops what its schema does
 * not name). Usage: node bench/internal/serialize-cost.ts [calls=20000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import fastJson from 'fast-json-stringify';
import { Type } from 'typebox';
import { ContextResponseSchema, TurnSchema } from '../../src/api/schemas.ts';
import { toWireTurn, turnsResponseJson } from '../../src/api/wire.ts';
import { SiraSession } from '../../src/sira.ts';
import { chatTurns } from '../../training/lib/corpus.ts';

const CALLS = Number(process.argv[2] ?? 20_000);
const dir = mkdtempSync(join(tmpdir(), 'ser-'));
const sira = await SiraSession.open({ dataDir: dir, logLevel: 'silent', sweepIntervalMs: 0, embedder: 'none' });
const t = sira.tenant('default');
const s = await t.createSession({});
const g = chatTurns(5, 'test');
for (let i = 0; i < 50; i++) {
  const turn = g.next();
  await t.appendTurns(s.id, [{ role: turn.role, content: turn.parts as never, metadata: turn.metadata ?? null }]);
}
const appended = await t.appendTurns(s.id, [{ role: 'user', content: 'where is my card? it was due last week', metadata: { request_id: 'r-1' } }]);
const last20 = (await t.getTurns(s.id, { last: 20 }))!;
const context = await t.buildContext(s.id, { query: 'where is my card', budget_tokens: 2000 });

const cases: { name: string; schema: object; value: unknown; plain: (v: unknown) => string }[] = [
  { name: 'append 201 (1 turn)', schema: Type.Object({ turns: Type.Array(TurnSchema) }), value: { turns: appended.map(toWireTurn) }, plain: (v) => JSON.stringify(v) },
  {
    name: 'last 20 turns 200',
    schema: Type.Object({ turns: Type.Array(TurnSchema), next_cursor: Type.Union([Type.String(), Type.Null()]) }),
    value: { turns: last20.map(toWireTurn), next_cursor: null },
    plain: () => turnsResponseJson(last20, null),
  },
  { name: 'context 200 (50 turns)', schema: ContextResponseSchema, value: { ...context, messages: context.messages.map((m) => ({ ...m })) }, plain: (v) => JSON.stringify(v) },
];

function cpuPerCall(f: () => string): number {
  for (let i = 0; i < 1000; i++) f(); // warm up
  const c0 = process.threadCpuUsage();
  for (let i = 0; i < CALLS; i++) f();
  const c = process.threadCpuUsage(c0);
  return (c.user + c.system) / CALLS;
}

console.log(`| response | JSON.stringify µs | compiled from the schema µs | same value back? | bytes |`);
console.log(`| --- | --- | --- | --- | --- |`);
for (const c of cases) {
  const compiled = fastJson(c.schema as never);
  const same = isDeepStrictEqual(JSON.parse(compiled(c.value as never)), JSON.parse(c.plain(c.value)));
  const a = cpuPerCall(() => c.plain(c.value));
  const b = cpuPerCall(() => compiled(c.value as never));
  console.log(`| ${c.name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${same ? 'yes' : 'no'} | ${c.plain(c.value).length} |`);
}
await sira.close();
rmSync(dir, { recursive: true, force: true });

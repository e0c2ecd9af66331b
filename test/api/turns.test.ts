import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, json, testApp, type TestApp } from '../helpers/app.ts';

type Turn = Record<string, unknown> & { seq: number; content: unknown; metadata: Record<string, unknown> | null };
type TurnPage = { turns: Turn[]; next_cursor: string | null };

describe('/v1/sessions/:id/turns', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await testApp({ limits: { maxTurnsPerBatch: 20, maxPageSize: 50, maxBodyBytes: 256 * 1024 } });
  });
  afterAll(() => t.close());

  const session = async () => json<{ id: string }>(await t.app.inject({ method: 'POST', url: '/v1/sessions', headers: t.auth })).id;
  const append = (id: string, turns: unknown[]) =>
    t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { turns } });
  const read = async (id: string, query = '') => {
    const res = await t.app.inject({ url: `/v1/sessions/${id}/turns${query}`, headers: t.auth });
    expect(res.statusCode).toBe(200);
    return json<TurnPage>(res);
  };

  it('POST appends a batch with dense seqs and returns the stored turns (201)', async () => {
    const id = await session();
    const res = await append(id, [
      { role: 'system', content: 'be brief' },
      { role: 'user', content: 'hello', name: 'ann', agent_id: 'gw', metadata: { trace: 'abc', n: [1, 2] }, pinned: true },
    ]);
    expect(res.statusCode).toBe(201);
    const { turns } = json<{ turns: Turn[] }>(res);
    expect(turns.map((x) => x.seq)).toEqual([1, 2]);
    expect(turns[1]).toMatchObject({
      role: 'user',
      content: 'hello',
      name: 'ann',
      agent_id: 'gw',
      metadata: { trace: 'abc', n: [1, 2] },
      pinned: true,
      importance: null,
    });
    expect(new Date(turns[1]?.created_at as string).toISOString()).toBe(turns[1]?.created_at);
    const more = json<{ turns: Turn[] }>(await append(id, [{ role: 'assistant', content: 'hi' }]));
    expect(more.turns[0]?.seq).toBe(3);
    expect(json(await t.app.inject({ url: `/v1/sessions/${id}`, headers: t.auth }))).toMatchObject({ turn_count: 3 });
  });

  it('multimodal parts round-trip; media bytes are base64 on the wire and bit-exact', async () => {
    const id = await session();
    const png = randomBytes(1000);
    const audio = randomBytes(333);
    const parts = [
      { type: 'text', text: 'look' },
      { type: 'image', mime: 'image/png', data: png.toString('base64'), name: 'cat.png' },
      { type: 'audio', mime: 'audio/wav', data: audio.toString('base64url') },
      { type: 'file', mime: 'application/pdf', url: 'https://example.com/a.pdf' },
      { type: 'tool_call', id: 'call_1', name: 'search', arguments: '{"q": "x"}' },
      { type: 'tool_result', tool_call_id: 'call_1', content: 'found', is_error: false },
      { type: 'tensor', name: 'emb' },
    ];
    // A tensor part must name a tensor the session holds.
    const put = await t.app.inject({ method: 'PUT', url: `/v1/sessions/${id}/tensors/emb`, headers: { ...t.auth, 'content-type': 'application/octet-stream', 'x-tensor-dtype': 'u8', 'x-tensor-shape': '1' }, payload: Buffer.alloc(1) });
    expect(put.statusCode).toBe(200);
    expect((await append(id, [{ role: 'user', content: parts }])).statusCode).toBe(201);
    const [turn] = (await read(id)).turns;
    const got = turn?.content as Array<Record<string, unknown>>;
    expect(got).toHaveLength(parts.length);
    expect(Buffer.from(got[1]?.data as string, 'base64').equals(png)).toBe(true);
    expect(Buffer.from(got[2]?.data as string, 'base64').equals(audio)).toBe(true);
    expect(got[1]).toMatchObject({ type: 'image', mime: 'image/png', name: 'cat.png' });
    expect(got.filter((_, i) => i !== 1 && i !== 2)).toEqual(parts.filter((_, i) => i !== 1 && i !== 2));
  });

  it('a turn that is exactly one text part reads back as a string; [text] written as parts too', async () => {
    const id = await session();
    await append(id, [{ role: 'user', content: [{ type: 'text', text: 'only' }] }, { role: 'user', content: [] }]);
    const { turns } = await read(id);
    expect(turns[0]?.content).toBe('only');
    expect(turns[1]?.content).toEqual([]);
  });

  it('a batch with one bad turn stores none (schema, facade and base64 failures alike)', async () => {
    const id = await session();
    const good = { role: 'user', content: 'ok' };
    const cases: Array<[unknown, string]> = [
      [{ role: 'robot', content: 'x' }, 'SIRA_ERR_REQUEST_INVALID'],
      [{ role: 'user', content: 5 }, 'SIRA_ERR_TURN_INVALID'],
      [{ role: 'user', content: [{ type: 'video' }] }, 'SIRA_ERR_TURN_INVALID'],
      [{ role: 'user', content: [{ type: 'image', mime: 'image/png' }] }, 'SIRA_ERR_TURN_INVALID'],
      [{ role: 'user', content: [{ type: 'image', mime: 'image/png', data: 'not base64!' }] }, 'SIRA_ERR_TURN_INVALID'],
      [{ role: 'user', content: 'x', metadata: 'str' }, 'SIRA_ERR_REQUEST_INVALID'],
      [{ role: 'user', content: 'x', pinned: 'yes' }, 'SIRA_ERR_REQUEST_INVALID'],
      [{ role: 'user', content: 'x', agent_id: 'bad id' }, 'SIRA_ERR_TURN_INVALID'],
      ['not an object', 'SIRA_ERR_REQUEST_INVALID'],
    ];
    for (const [bad, code] of cases) {
      const body = expectProblem(await append(id, [good, good, bad]), 400, code);
      expect(body.detail).toMatch(/turns(\[2\]|\/2)/);
    }
    expect((await read(id)).turns).toEqual([]);
    expect(json(await t.app.inject({ url: `/v1/sessions/${id}`, headers: t.auth }))).toMatchObject({ turn_count: 0 });
  });

  it('the failing path is named: an unknown part type lists the accepted ones', async () => {
    const id = await session();
    // (`video` was the unknown type here until issue 16 made it a part type.)
    const body = expectProblem(await append(id, [{ role: 'user', content: [{ type: 'text', text: 'a' }, { type: 'hologram' }] }]), 400, 'SIRA_ERR_TURN_INVALID');
    expect(body.detail).toBe(
      'turns[0].content[1].type must be one of text, image, audio, video, document, file, data, code, tool_call, tool_result, reasoning, citation, location, ui_event, time_series, tensor',
    );
    expect(body.pointer).toBe('/turns/0/content/1/type');
  });

  it('POST refuses an empty batch (400), too many turns (413) and a body over the limit (413), storing nothing', async () => {
    const id = await session();
    expectProblem(await append(id, []), 400, 'SIRA_ERR_REQUEST_INVALID');
    const many = Array.from({ length: 21 }, (_, i) => ({ role: 'user', content: `t${i}` }));
    expectProblem(await append(id, many), 413, 'SIRA_ERR_TURN_BATCH_TOO_LARGE');
    expectProblem(await append(id, [{ role: 'user', content: 'x'.repeat(300 * 1024) }]), 413, 'SIRA_ERR_REQUEST_TOO_LARGE');
    expectProblem(
      await t.app.inject({ method: 'POST', url: `/v1/sessions/${id}/turns`, headers: t.auth, payload: { nope: 1 } }),
      400,
      'SIRA_ERR_REQUEST_INVALID',
    );
    expect((await read(id)).turns).toEqual([]);
  });

  it('POST to a missing session is 404 and creates nothing', async () => {
    expectProblem(await append('ghost', [{ role: 'user', content: 'x' }]), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    expectProblem(await t.app.inject({ url: '/v1/sessions/ghost', headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
  });

  describe('GET ranges', () => {
    let id: string;
    beforeAll(async () => {
      id = await session();
      const turns = Array.from({ length: 20 }, (_, i) => ({ role: i % 2 ? 'assistant' : 'user', content: `m${i + 1}`, metadata: { i: i + 1 } }));
      await append(id, turns);
      await append(id, turns.slice(0, 5).map((x, i) => ({ ...x, content: `m${21 + i}`, metadata: { i: 21 + i } })));
    });

    it('GET with no query returns turns ascending with their metadata', async () => {
      const { turns, next_cursor } = await read(id);
      expect(turns.map((x) => x.seq)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(turns.map((x) => x.metadata?.i)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(next_cursor).toBeNull();
    });

    it('after_seq/before_seq are exclusive bounds; limit caps the page', async () => {
      expect((await read(id, '?after_seq=3&before_seq=7')).turns.map((x) => x.seq)).toEqual([4, 5, 6]);
      expect((await read(id, '?after_seq=20&limit=2')).turns.map((x) => x.seq)).toEqual([21, 22]);
      expect((await read(id, '?after_seq=25')).turns).toEqual([]);
    });

    it('next_cursor pages forward as an after_seq value until the end', async () => {
      const seqs: number[] = [];
      let cursor: string | null = '0';
      let pages = 0;
      while (cursor !== null) {
        const page: TurnPage = await read(id, `?after_seq=${cursor}&limit=7`);
        seqs.push(...page.turns.map((x) => x.seq));
        cursor = page.next_cursor;
        pages++;
      }
      expect(seqs).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
      expect(pages).toBeGreaterThanOrEqual(4);
      expect((await read(id, '?before_seq=6&limit=5')).next_cursor).toBeNull();
    });

    it('last=N returns the newest N in chronological order', async () => {
      const { turns, next_cursor } = await read(id, '?last=3');
      expect(turns.map((x) => x.seq)).toEqual([23, 24, 25]);
      expect(turns.map((x) => x.content)).toEqual(['m23', 'm24', 'm25']);
      expect(next_cursor).toBeNull();
      expect((await read(id, '?last=50')).turns).toHaveLength(25);
    });

    it('bad ranges are 400', async () => {
      const get = (q: string) => t.app.inject({ url: `/v1/sessions/${id}/turns${q}`, headers: t.auth });
      expectProblem(await get('?last=3&after_seq=1'), 400, 'SIRA_ERR_TURN_RANGE_INVALID');
      expectProblem(await get('?limit=51'), 400, 'SIRA_ERR_TURN_RANGE_INVALID');
      expectProblem(await get('?last=51'), 400, 'SIRA_ERR_TURN_RANGE_INVALID');
      expectProblem(await get('?after_seq=-1'), 400, 'SIRA_ERR_REQUEST_INVALID');
      expectProblem(await get('?after_seq=abc'), 400, 'SIRA_ERR_REQUEST_INVALID');
      expectProblem(await get('?last=0'), 400, 'SIRA_ERR_REQUEST_INVALID');
    });

    it('GET turns of a missing session is 404', async () => {
      expectProblem(await t.app.inject({ url: '/v1/sessions/ghost/turns?last=5', headers: t.auth }), 404, 'SIRA_ERR_SESSION_NOT_FOUND');
    });
  });

  it('GET without limit pages by 100 (capped by maxPageSize) with a next_cursor', async () => {
    const id = await session();
    for (let b = 0; b < 3; b++) await append(id, Array.from({ length: 20 }, () => ({ role: 'user', content: 'x' })));
    const page = await read(id);
    expect(page.turns).toHaveLength(50);
    expect(page.next_cursor).toBe('50');
    expect((await read(id, `?after_seq=${page.next_cursor}`)).turns).toHaveLength(10);
  });
});

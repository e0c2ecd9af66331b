/**
 * @module test/helpers/responses-upstream
 * A stand-in upstream that speaks the OpenAI Responses API statelessly (as Sira calls it, `store: false`): it
 * answers each request with one assistant message that names how many input items it got and echoes the last
 * user text, or with a function call when the last user text asks for the weather. Streaming sends OpenAI's event
 * sequence (created, in_progress, output_item.added, content_part.added, output_text.delta…, completed) with
 * sequence numbers.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the upstream received. */
export interface UpstreamRequest {
  headers: IncomingMessage['headers'];
  body: { model?: string; input: Record<string, unknown>[]; instructions?: string; store?: boolean; stream?: boolean; [k: string]: unknown };
}

/** The last user text of an item list. */
function lastUserText(input: UpstreamRequest['body']['input']): string {
  for (let i = input.length - 1; i >= 0; i--) {
    const item = input[i]!;
    if (item.type === 'message' && item.role === 'user' && Array.isArray(item.content)) {
      return (item.content as { type: string; text?: string }[]).filter((p) => p.type === 'input_text').map((p) => p.text).join(' ');
    }
  }
  return '';
}

let counter = 0;

/** The response object the stub answers `body` with (status `completed`). */
export function stubResponse(body: UpstreamRequest['body']): Record<string, unknown> {
  counter += 1;
  const text = lastUserText(body.input);
  const output: Record<string, unknown>[] = /weather/i.test(text)
    ? [{ type: 'function_call', id: `fc_up${counter}`, call_id: `call_${counter}`, name: 'get_weather', arguments: '{"city":"Lisbon"}', status: 'completed' }]
    : [
        {
          type: 'message',
          id: `msg_up${counter}`,
          role: 'assistant',
          status: 'completed',
          content: [{ type: 'output_text', text: `items=${body.input.length} echo: ${text}`, annotations: [] }],
        },
      ];
  return {
    id: `resp_upstream_${counter}`,
    object: 'response',
    created_at: 1_700_000_000,
    status: 'completed',
    model: body.model ?? 'stub-model',
    instructions: body.instructions ?? null,
    output,
    parallel_tool_calls: true,
    tool_choice: 'auto',
    tools: [],
    usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
  };
}

/** Start the stub on a free port; `url` is the base up to `/v1`. */
export async function responsesUpstream(): Promise<{ url: string; received: UpstreamRequest[]; close: () => Promise<void> }> {
  const received: UpstreamRequest[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      const body = JSON.parse(text) as UpstreamRequest['body'];
      received.push({ headers: req.headers, body });
      if (req.url !== '/v1/responses') {
        res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'no such route', type: 'invalid_request_error' } }));
        return;
      }
      if (body.model === 'refuse') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: 'model refused', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } }));
        return;
      }
      const done = stubResponse(body);
      if (body.stream !== true) {
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(done));
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      let seq = 0;
      const send = (type: string, data: Record<string, unknown>) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: seq++, ...data })}\n\n`);
      const pending = { ...done, status: 'in_progress', output: [] };
      send('response.created', { response: pending });
      send('response.in_progress', { response: pending });
      const item = (done.output as Record<string, unknown>[])[0]!;
      send('response.output_item.added', { output_index: 0, item: { ...item, content: [] } });
      const full = item.type === 'message' ? ((item.content as { text: string }[])[0]!.text) : '';
      if (item.type === 'message') send('response.content_part.added', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
      // Deltas of 5 characters: several events per answer.
      for (let i = 0; i < full.length; i += 5) send('response.output_text.delta', { item_id: item.id, output_index: 0, content_index: 0, delta: full.slice(i, i + 5) });
      if (item.type === 'message') {
        send('response.output_text.done', { item_id: item.id, output_index: 0, content_index: 0, text: full });
        send('response.content_part.done', { item_id: item.id, output_index: 0, content_index: 0, part: { type: 'output_text', text: full, annotations: [] } });
      }
      send('response.output_item.done', { output_index: 0, item });
      send('response.completed', { response: done });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

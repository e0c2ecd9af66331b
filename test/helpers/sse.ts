/**
 * @module test/helpers/sse
 * A minimal Server-Sent Events client over node:http for tests: parses frames and comments as they arrive, and
 * `until(pred)` waits for a condition on them (no sleeps).
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';

export interface Frame {
  id: string | undefined;
  event: string | undefined;
  data: Record<string, unknown>;
}

/** A minimal SSE client: parses frames and comments as they arrive; `until` waits for a condition on them. */
export interface Stream {
  status: number;
  headers: IncomingMessage['headers'];
  frames: Frame[];
  comments: string[];
  ended: Promise<void>;
  until(pred: (s: Stream) => boolean): Promise<void>;
  close(): void;
}

export function openStream(base: string, path: string, headers: Record<string, string>): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { headers: { accept: 'text/event-stream', ...headers } }, (res) => {
      let buf = '';
      const waiters: (() => void)[] = [];
      let endResolve!: () => void;
      let ended = false;
      const s: Stream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        frames: [],
        comments: [],
        ended: new Promise((r) => (endResolve = r)),
        // Resolves once `pred` holds; rejects if the stream ends first (so a test fails at once, not by timing out).
        until: (pred) =>
          new Promise<void>((r, reject) => {
            const check = () => {
              if (pred(s)) r();
              else if (ended) reject(new Error(`the stream ended before the condition held (${s.frames.length} frames, comments: ${s.comments.join(', ')})`));
              else waiters.push(check);
            };
            check();
          }),
        close: () => req.destroy(),
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f: Partial<Frame> & { dataText?: string } = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) s.comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) f.id = line.slice(4);
            else if (line.startsWith('event: ')) f.event = line.slice(7);
            else if (line.startsWith('data: ')) f.dataText = line.slice(6);
          }
          if (f.dataText !== undefined) s.frames.push({ id: f.id, event: f.event, data: JSON.parse(f.dataText) as Record<string, unknown> });
        }
        for (const w of waiters.splice(0)) w();
      });
      res.on('end', () => {
        ended = true;
        endResolve();
        for (const w of waiters.splice(0)) w();
      });
      res.on('error', () => {
        ended = true;
        endResolve();
        for (const w of waiters.splice(0)) w();
      });
      resolve(s);
    });
    req.on('error', reject);
    req.end();
  });
}

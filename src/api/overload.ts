/**
 * @module api/overload
 * Back-pressure: a request that arrives while the process is saturated is answered at once with 503
 * SIRA_ERR_OVERLOADED and `Retry-After`, before authentication, body parsing or any store work, instead of
 * joining an unbounded queue in which every request waits longer. Two signals, both O(1) per request: the mean
 * event-loop delay over the last sample windows (`perf_hooks.monitorEventLoopDelay`, read by a timer, not per
 * request), counted only while other requests are in flight, and the count of requests in flight. Probes (`/healthz`, `/readyz`), `/metrics` and long-lived streams
 * (SSE, WebSocket upgrades) are never refused or counted: an orchestrator must still see the process alive.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OverloadOptions } from '../core/overload-config.ts';
import { sendProblem } from './problem.ts';

/** Where the event-loop delay comes from: ms, the mean over the last window. Tests inject their own. */
export type LoopDelayProbe = () => number;

const EXEMPT = /^\/(?:healthz|readyz|metrics)(?:[/?]|$)/;

function exempt(request: FastifyRequest): boolean {
  if (EXEMPT.test(request.url)) return true;
  const h = request.headers;
  return h.upgrade !== undefined || (request.method === 'GET' && h.accept?.includes('text/event-stream') === true);
}

/**
 * The process's sustained event-loop delay: a histogram read every `intervalMs` into its window mean, then reset;
 * the probe answers the lower of the last two window means, so one stall (a long GC, a synchronous start-up
 * step) does not shed load, two saturated windows in a row do. `stop()` ends the timer and the histogram.
 */
export function eventLoopDelayProbe(intervalMs: number): { probe: LoopDelayProbe; stop: () => void } {
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  let previousMs = 0;
  let lastMs = 0;
  const timer = setInterval(() => {
    previousMs = lastMs;
    // The histogram holds nothing when the timer that feeds it did not fire in the window: then the loop was
    // blocked the whole window, and the window's own length is the delay.
    lastMs = histogram.count > 0 ? histogram.mean / 1e6 : intervalMs;
    histogram.reset();
  }, intervalMs);
  timer.unref();
  return {
    probe: () => Math.min(previousMs, lastMs),
    stop: () => {
      clearInterval(timer);
      histogram.disable();
    },
  };
}

/**
 * Install the shedding hook on the root of `app` (register it first, so refusals cost the least). `probe` replaces
 * the event-loop monitor (tests); without it one is started and stopped with the app.
 */
export function installOverloadGuard(app: FastifyInstance, opts: OverloadOptions, probe?: LoopDelayProbe): void {
  if (opts.maxEventLoopDelayMs === 0 && opts.maxInFlight === 0) return;
  let delay: LoopDelayProbe = probe ?? (() => 0);
  if (probe === undefined && opts.maxEventLoopDelayMs > 0) {
    // Started once the app is ready: building it (plugins, schemas) blocks the loop and is not load.
    let stop = () => {};
    app.addHook('onReady', async () => {
      const monitor = eventLoopDelayProbe(opts.sampleIntervalMs);
      delay = monitor.probe;
      stop = monitor.stop;
    });
    app.addHook('onClose', async () => stop());
  }
  let inFlight = 0;
  const release = () => {
    inFlight--;
  };
  const details = { retry_after_seconds: opts.retryAfterSeconds };
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => {
    if (exempt(request)) return done();
    // The delay counts only with other requests in flight: refusing the one request of an idle process cannot
    // lower a delay that comes from elsewhere (other processes on the cores, a long collection).
    const loopMs = opts.maxEventLoopDelayMs > 0 && inFlight > 0 ? delay() : 0;
    if (loopMs > opts.maxEventLoopDelayMs) {
      sendProblem(request, reply, { code: 'SIRA_ERR_OVERLOADED', detail: `event-loop delay ${loopMs.toFixed(0)} ms is over ${opts.maxEventLoopDelayMs} ms`, details });
      return;
    }
    if (opts.maxInFlight > 0 && inFlight >= opts.maxInFlight) {
      sendProblem(request, reply, { code: 'SIRA_ERR_OVERLOADED', detail: `${inFlight} requests in flight, the most allowed is ${opts.maxInFlight}`, details });
      return;
    }
    inFlight++;
    // 'close' fires once per response whatever its end (sent, hijacked stream ended, client gone).
    reply.raw.once('close', release);
    done();
  });
}

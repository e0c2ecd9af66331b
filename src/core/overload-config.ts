/**
 * @module core/overload-config
 * Load shedding (back-pressure) options: when the service answers 503 SIRA_ERR_OVERLOADED with `Retry-After`
 * instead of queueing more work. Their type, defaults and the TypeBox schema {@link resolveConfig} checks them with.
 */
import { Type } from 'typebox';

/** When a request is refused as overload. 0 turns a check off. */
export interface OverloadOptions {
  /**
   * Mean event-loop delay in ms above which new requests are refused, when both of the last two sample windows are
   * over it (one stall alone does not count) and other requests are in flight (a lone request is never refused
   * for a delay it did not cause). A loop that is idle or keeps up with its requests stays at 0-2 ms;
   * 50 ms means every tick waits behind tens of ms of queued work, for half a second. @default 50
   */
  maxEventLoopDelayMs: number;
  /**
   * Requests being handled at once in this process (from arrival to the last byte sent; SSE streams and WebSocket
   * upgrades are not counted, streamed proxy answers are) above which new requests are refused. @default 1024
   */
  maxInFlight: number;
  /** Ms of the window the event-loop delay is averaged over (and how often it is sampled). @default 250 */
  sampleIntervalMs: number;
  /** Seconds a refused client is told to wait (`Retry-After`). @default 1 */
  retryAfterSeconds: number;
}

/** Defaults of {@link OverloadOptions}: only sustained saturation trips them. */
export const DEFAULT_OVERLOAD: Readonly<OverloadOptions> = Object.freeze({
  maxEventLoopDelayMs: 50,
  maxInFlight: 1024,
  sampleIntervalMs: 250,
  retryAfterSeconds: 1,
});

/** Schema of {@link OverloadOptions} (every field required once merged over the defaults). */
export const OverloadOptionsSchema = Type.Object(
  {
    maxEventLoopDelayMs: Type.Integer({ minimum: 0 }),
    maxInFlight: Type.Integer({ minimum: 0 }),
    sampleIntervalMs: Type.Integer({ minimum: 10, maximum: 60_000 }),
    retryAfterSeconds: Type.Integer({ minimum: 1, maximum: 3600 }),
  },
  { additionalProperties: false },
);

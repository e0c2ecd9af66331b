/**
 * @module test/helpers/instances
 * Several service instances on one shared store (each its own SiraSession, store connections, event hub and HTTP
 * listener on loopback), for the cross-instance tests. `close()` stops them all.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/app.ts';
import type { SiraOptionsInput } from '../../src/core/config.ts';
import { SiraSession } from '../../src/sira.ts';

/** One running instance. */
export interface Instance {
  sira: SiraSession;
  app: FastifyInstance;
  url: string;
}

/** A factory of instances sharing `base` options (store URL, key prefix, bootstrap key …). */
export function instancePool(base: () => SiraOptionsInput): { readonly instances: readonly Instance[]; start(): Promise<Instance>; close(): Promise<void> } {
  const all: Instance[] = [];
  return {
    instances: all,
    async start() {
      const sira = await SiraSession.open({ sweepIntervalMs: 0, logLevel: 'silent', ...base() });
      const app = await buildApp({ sira });
      const url = await app.listen({ port: 0, host: '127.0.0.1' });
      const i = { sira, app, url };
      all.push(i);
      return i;
    },
    async close() {
      for (const i of all.splice(0)) {
        await i.app.close();
        await i.sira.close();
      }
    },
  };
}

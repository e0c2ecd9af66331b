/**
 * @module bench/peers/postgres
 * A fresh PostgreSQL database per benchmark run on the local server (PG_URL, default
 * postgresql://postgres@127.0.0.1:5432/test for the admin connection), dropped at the end.
 */
import pg from 'pg';

export interface FreshDatabase {
  /** Connection string of the new database. */
  url: string;
  /** `synchronous_commit` of the server (what an acknowledged commit means). */
  synchronousCommit: string;
  /** Drop the database (terminating leftover connections). */
  drop(): Promise<void>;
  /** Bytes the database takes on disk (`pg_database_size`: tables, indexes, TOAST; WAL not included). */
  size(): Promise<number>;
}

/** Create database `<prefix>_<pid>_<time>` and return how to reach and drop it. */
export async function freshDatabase(prefix: string): Promise<FreshDatabase> {
  const adminUrl = process.env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
  const name = `${prefix}_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const sc = (await admin.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    synchronousCommit: sc,
    async size() {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      const n = (await c.query<{ n: string }>('SELECT pg_database_size(current_database()) AS n')).rows[0]!.n;
      await c.end();
      return Number(n);
    },
    async drop() {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

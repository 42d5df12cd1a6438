/**
 * The Postgres the sync benchmarks run against (a helper, not a benchmark): BENCH_PG_URL when set,
 * else an embedded Postgres started for the run with its default durability settings.
 */
import pg from 'pg';
import { startPostgres } from '../test/helpers/postgres.ts';

export interface BenchPostgres {
  description: string;
  url(database: string): string;
  createDatabase(prefix: string): Promise<string>;
  dispose(): Promise<void>;
}

export async function benchPostgres(): Promise<BenchPostgres> {
  const external = process.env.BENCH_PG_URL;
  if (external) {
    const base = new URL(external);
    const database = base.pathname.replace(/^\//, '') || 'postgres';
    return {
      description: `BENCH_PG_URL (${base.hostname}:${base.port || 5432})`,
      // Each run gets its own tenant schema, so one database is enough.
      url: () => external,
      createDatabase: async () => database,
      dispose: async () => {},
    };
  }
  const server = await startPostgres({ durable: true });
  const version = await server.query<{ v: string }>('postgres', "SELECT current_setting('server_version') AS v");
  return {
    description: `embedded Postgres ${version[0]?.v ?? ''} on 127.0.0.1 (fsync on)`,
    url: (database) => server.url(database),
    createDatabase: (prefix) => server.createDatabase(prefix),
    dispose: () => server.dispose(),
  };
}

/** Counts rows in a tenant table, for checks after a run. */
export async function countRows(url: string, schema: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".${table}`);
    return result.rows[0]!.n;
  } finally {
    await client.end();
  }
}

/**
 * Anonymous registration flood against a real `dementia serve --hosted` on 127.0.0.1: 16 loops post
 * dynamic client registrations with 7 KB random names for FLOOD_SECONDS (60 by default), as the
 * probe in issue 20 did. Reports accepted and refused registrations and the growth of the OAuth
 * state table, against its size measured in the same run just before the flood (the baseline).
 *
 *   node bench/registration-flood.ts [seconds]
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { freePort } from '../test/helpers/postgres.ts';
import { startHostedProcess } from '../test/gateway/hosted/hosted-processes.ts';
import { benchPostgres } from './sync-fixture.ts';

const seconds = Number(process.argv[2] ?? process.env.FLOOD_SECONDS ?? 60);
const LOOPS = 16;

async function tableState(pool: pg.Pool): Promise<{ bytes: number; clients: number }> {
  const size = await pool.query<{ bytes: string; clients: string }>(
    `SELECT pg_total_relation_size('dementia_hosted.oauth_state') AS bytes, (SELECT count(*) FROM dementia_hosted.oauth_state WHERE kind = 'Client') AS clients`,
  );
  return { bytes: Number(size.rows[0]!.bytes), clients: Number(size.rows[0]!.clients) };
}

const postgres = await benchPostgres();
const pgUrl = postgres.url(await postgres.createDatabase('registration_flood'));
const port = await freePort();
const hosted = await startHostedProcess({ pgUrl, publicUrl: `http://127.0.0.1:${port}` }, port);
const pool = new pg.Pool({ connectionString: pgUrl, max: 1 });
try {
  const baseline = await tableState(pool);
  const counts = new Map<number, number>();
  const endsAt = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: LOOPS }, async () => {
      while (Date.now() < endsAt) {
        const body = JSON.stringify({
          client_name: randomBytes(3500).toString('hex'),
          redirect_uris: ['https://flood.example/cb'],
          token_endpoint_auth_method: 'none',
        });
        const response = await fetch(new URL('/oauth/register', hosted.base), { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await response.arrayBuffer();
        counts.set(response.status, (counts.get(response.status) ?? 0) + 1);
      }
    }),
  );
  const flooded = await tableState(pool);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  console.log(`registration flood, ${seconds} s, ${LOOPS} loops from 127.0.0.1, 7 KB names (Postgres: ${postgres.description})`);
  console.log(`requests: ${total} (${(total / seconds).toFixed(0)}/s); by status: ${[...counts].map(([status, n]) => `${status}: ${n}`).join(', ')}`);
  console.log(`oauth_state baseline (same run, before the flood): ${(baseline.bytes / 1024).toFixed(0)} KB, ${baseline.clients} clients`);
  console.log(
    `oauth_state after the flood: ${(flooded.bytes / 1024).toFixed(0)} KB, ${flooded.clients} clients (+${((flooded.bytes - baseline.bytes) / 1024).toFixed(0)} KB)`,
  );
} finally {
  await pool.end();
  hosted.child.kill('SIGTERM');
  await hosted.exited;
  await postgres.dispose();
}

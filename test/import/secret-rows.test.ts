// Imports pass the secret check too (DESIGN 14): a row that carries a credential is reported as
// skipped with the reason (kind and place, never the secret) and the rest of the file imports.
// A real server-memory JSONL file on disk, the real CLI in its own process, a real SQLite file.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../helpers/cli-process.ts';
import { tempDir } from '../helpers/gateway-harness.ts';
import { fakeCredentials } from '../fixtures/secrets/samples.ts';
import { createOldSqliteFile, T0 } from './helpers/old-servers.ts';
import { DATABASE_FILE, openDatabase } from '../../src/gateway/store/database.ts';
import { systemClock } from '../../src/gateway/clock.ts';

const secrets = fakeCredentials();
const openai = secrets['openai-key']![1]!;
const awsKey = secrets['aws-key']![0]!;
const pem = secrets['private-key']![2]!;
const stripe = secrets['stripe-key']![0]!;

describe('import: rows that carry a credential are skipped with the reason, the rest imports', () => {
  it('server-memory: the entity with a key is skipped; the others are written; nothing of the key is stored', async () => {
    const dir = tempDir('secret-import-');
    const graph = join(dir, 'memory.jsonl');
    writeFileSync(
      graph,
      [
        { type: 'entity', name: 'Billing', entityType: 'service', observations: ['Invoices go out on the 1st'] },
        { type: 'entity', name: 'OpenAI', entityType: 'vendor', observations: ['Account owner: Maria', `API key ${openai}`] },
        { type: 'entity', name: 'AWS', entityType: 'vendor', observations: [`Access key id ${awsKey} (prod)`] },
      ]
        .map((row) => JSON.stringify(row))
        .join('\n') + '\n',
    );
    const dataDir = join(dir, 'data');
    const result = await runCli(['import', 'server-memory', '--from', graph, '--project', 'notes', '--data-dir', dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(openai) && !result.stdout.includes(awsKey), 'the report must not echo a secret');
    const report = JSON.parse(result.stdout) as { projects: { name: string; contexts: number; skipped: { item: string; reason: string }[] }[] };
    const [notes] = report.projects;
    assert.equal(notes!.contexts, 1);
    assert.equal(notes!.skipped.length, 2);
    assert.match(notes!.skipped[0]!.reason, /a openai-key in `content` at line 4, column 11\).*not imported/);
    assert.match(notes!.skipped[1]!.reason, /a aws-key in `content` at line 3/);
    assert.match(notes!.skipped[1]!.reason, /1Password item/);
    const db = openDatabase(join(dataDir, DATABASE_FILE), systemClock);
    try {
      assert.deepEqual(db.prepare('SELECT label FROM contexts').pluck().all(), ['Billing']);
      const everything = JSON.stringify([db.prepare('SELECT * FROM contexts').all(), db.prepare('SELECT * FROM sync_outbox').all()]);
      assert.ok(!everything.includes(openai) && !everything.includes(awsKey));
    } finally {
      db.close();
    }
    // The file is left as it was: the import never changes its source.
    assert.ok(readFileSync(graph, 'utf8').includes(openai));
  });

  it('claude-dementia: a version with a private key and a note with a key are skipped; the other versions, the handover and notes import', async () => {
    const dir = tempDir('secret-import-old-');
    const file = join(dir, '.claude-memory.db');
    createOldSqliteFile(file, 'Shop');
    const old = new Database(file);
    old
      .prepare('INSERT INTO context_locks (session_id, label, version, content, content_hash, locked_at, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run('clau_57e9a16c', 'tls', '1.0', `Server key:\n${pem}`, 'h9', T0 + 25 * 3600, '{}');
    old
      .prepare('INSERT INTO memory_entries (category, content, metadata, timestamp, session_id) VALUES (?, ?, ?, ?, ?)')
      .run('progress', `Paid with ${stripe}`, '{}', T0 + 25 * 3600 + 60, 'clau_57e9a16c');
    old.close();
    const dataDir = join(dir, 'data');
    const result = await runCli(['import', 'claude-dementia', '--from', file, '--data-dir', dataDir, '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!result.stdout.includes(stripe) && !result.stdout.includes(pem.split('\n')[1]!));
    const report = JSON.parse(result.stdout) as {
      projects: { name: string; versions: number; handovers: number; notes: number; skipped: { reason: string }[] }[];
    };
    const [shop] = report.projects;
    // What the same file gives without the two rows (claude-dementia-sqlite.test.ts): 4 versions, 1 handover, 1 note.
    assert.deepEqual([shop!.name, shop!.versions, shop!.handovers, shop!.notes], ['shop', 4, 1, 1]);
    assert.deepEqual(
      shop!.skipped.map((s) => s.reason.match(/a ([\w-]+) in `(\w+)`/)!.slice(1)),
      [
        ['private-key', 'content'],
        ['stripe-key', 'text'],
      ],
    );
    const db = openDatabase(join(dataDir, DATABASE_FILE), systemClock);
    try {
      const everything = JSON.stringify([
        db.prepare('SELECT * FROM contexts').all(),
        db.prepare('SELECT * FROM notes').all(),
        db.prepare('SELECT * FROM handovers').all(),
      ]);
      assert.ok(!everything.includes(stripe) && !everything.includes(pem.split('\n')[1]!));
      assert.equal(db.prepare("SELECT count(*) FROM contexts WHERE label = 'tls'").pluck().get(), 0);
    } finally {
      db.close();
    }
  });
});

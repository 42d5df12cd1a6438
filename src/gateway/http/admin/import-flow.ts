import { randomUUID } from 'node:crypto';
import type { ImportReport } from '../../import/plan-writer.ts';
import type { ImportRequest } from '../../import/run-import.ts';
import type { Services } from '../../services.ts';
import { HttpError } from '../http-utils.ts';

/** An import previewed in the status window, waiting for "Import". */
interface Pending {
  request: Omit<ImportRequest, 'dryRun'>;
  expiresAt: number;
}

export interface ImportPreview {
  /** Pass it to run: the source (a URL may hold a password) stays on the gateway. */
  importId: string;
  report: ImportReport;
}

const PENDING_MS = 30 * 60_000;

/** The importers (and pg, for claude-dementia's Postgres) load on the first import, not with the gateway. */
const runImport: typeof import('../../import/run-import.ts').runImport = async (...args) => (await import('../../import/run-import.ts')).runImport(...args);

/**
 * "Import memory..." of the status window: a dry run first, then the import itself, in the
 * gateway's own process (clients keep working: it writes in short transactions and yields between
 * them). One import runs at a time.
 */
export class ImportFlow {
  private readonly services: Services;
  private readonly dataDir: string;
  private readonly notify: (reason: string) => void;
  private readonly pending = new Map<string, Pending>();
  private running = false;

  constructor(services: Services, dataDir: string, notify: (reason: string) => void) {
    this.services = services;
    this.dataDir = dataDir;
    this.notify = notify;
  }

  async preview(request: Omit<ImportRequest, 'dryRun'>): Promise<ImportPreview> {
    const report = await runImport({ ...request, dryRun: true }, this.services, { dataDir: this.dataDir });
    const now = Date.now();
    for (const [id, entry] of this.pending) if (entry.expiresAt <= now) this.pending.delete(id);
    const importId = randomUUID();
    this.pending.set(importId, { request, expiresAt: now + PENDING_MS });
    return { importId, report };
  }

  async run(importId: string): Promise<ImportReport> {
    const entry = this.pending.get(importId);
    if (!entry || entry.expiresAt <= Date.now()) throw new HttpError(404, 'This import preview is unknown or expired: preview the import again.');
    if (this.running) throw new HttpError(409, 'Another import is running; wait for it to finish.');
    this.running = true;
    try {
      const report = await runImport({ ...entry.request, dryRun: false }, this.services, { dataDir: this.dataDir });
      this.pending.delete(importId);
      return report;
    } finally {
      this.running = false;
      this.notify('import');
    }
  }
}

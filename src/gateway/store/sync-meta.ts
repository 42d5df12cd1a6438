import { newId } from '../secrets.ts';
import type { Db } from './database.ts';

/** Small local facts about sync (machine id, target, cursor, last push and pull), in `sync_state`. */
export class SyncMeta {
  private readonly getStmt;
  private readonly setStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare('SELECT value FROM sync_state WHERE key = ?').pluck();
    this.setStmt = db.prepare('INSERT INTO sync_state (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
  }

  get(key: string): string | undefined {
    return this.getStmt.get(key) as string | undefined;
  }

  set(key: string, value: string): void {
    this.setStmt.run(key, value);
  }

  getNumber(key: string): number | null {
    const value = this.get(key);
    return value === undefined ? null : Number(value);
  }

  /** This data folder's id in Postgres `origin` columns: how pulls skip this machine's own rows. */
  machineId(): string {
    let id = this.get('machine_id');
    if (!id) {
      id = newId();
      this.set('machine_id', id);
    }
    return id;
  }
}

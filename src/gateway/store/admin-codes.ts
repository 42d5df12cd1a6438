import type { Clock } from '../clock.ts';
import { newToken, sha256Hex } from '../secrets.ts';
import type { Db } from './database.ts';

const CODE_TTL_MS = 10 * 60_000;

/** One-time codes in status URLs: they sign a browser in to the admin API once, then are gone. */
export class AdminCodes {
  private readonly db: Db;
  private readonly clock: Clock;

  constructor(db: Db, clock: Clock) {
    this.db = db;
    this.clock = clock;
  }

  issue(): string {
    const code = newToken('dca');
    const now = this.clock.now();
    this.db.prepare('DELETE FROM admin_codes WHERE expires_at < ?').run(now);
    this.db.prepare('INSERT INTO admin_codes (code_hash, expires_at) VALUES (?, ?)').run(sha256Hex(code), now + CODE_TTL_MS);
    return code;
  }

  /** True once for a valid, unexpired code. */
  consume(code: string): boolean {
    const row = this.db.prepare('DELETE FROM admin_codes WHERE code_hash = ? RETURNING expires_at').get(sha256Hex(code)) as { expires_at: number } | undefined;
    return row !== undefined && row.expires_at >= this.clock.now();
  }
}

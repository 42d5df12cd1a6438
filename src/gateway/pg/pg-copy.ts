import type { ClientBase } from 'pg';

/**
 * `COPY ... FROM STDIN` for node-postgres without another dependency: a query object in the shape
 * node-postgres accepts ("submittable") that answers the server's CopyInResponse with the data.
 */
class CopyIn {
  readonly text: string;
  private readonly data: Buffer;
  callback: ((error: Error | null, rows?: number) => void) | undefined;
  /** Settles once the data is handed to the connection (or the COPY ended without asking for it). */
  readonly dataSent: Promise<void>;
  private markSent: () => void = () => {};
  private rows = 0;

  constructor(text: string, data: Buffer) {
    this.text = text;
    this.data = data;
    this.dataSent = new Promise((resolve) => (this.markSent = resolve));
  }

  submit(connection: { query(text: string): void }): void {
    connection.query(this.text);
  }

  handleCopyInResponse(connection: { sendCopyFromChunk(chunk: Buffer): void; endCopyFrom(): void }): void {
    const chunk = 1 << 20;
    for (let at = 0; at < this.data.length; at += chunk) connection.sendCopyFromChunk(this.data.subarray(at, at + chunk));
    connection.endCopyFrom();
    this.markSent();
  }

  handleCommandComplete(message: { text?: string }): void {
    this.rows = Number(/(\d+)$/.exec(message.text ?? '')?.[1] ?? 0);
  }

  // node-postgres stops routing messages to a query after its error (server error or lost
  // connection), so the error is the end of it.
  handleError(error: Error): void {
    this.markSent();
    this.callback?.(error);
    this.callback = undefined;
  }

  handleReadyForQuery(): void {
    this.markSent();
    this.callback?.(null, this.rows);
    this.callback = undefined;
  }

  // Messages a COPY FROM never gets.
  handleRowDescription(): void {}
  handleDataRow(): void {}
  handleEmptyQuery(): void {}
  handlePortalSuspended(): void {}
  handleCopyData(): void {}
}

/**
 * Runs COPY FROM STDIN with `data` (a whole COPY stream): `done` resolves with the rows copied,
 * `dataSent` once the data is on its way (local work can then overlap with the server's).
 */
export function copyFrom(client: ClientBase, text: string, data: Buffer): { done: Promise<number>; dataSent: Promise<void> } {
  const copy = new CopyIn(text, data);
  const done = new Promise<number>((resolve, reject) => {
    copy.callback = (error, rows) => (error ? reject(error) : resolve(rows ?? 0));
  });
  (client as unknown as { query(submittable: CopyIn): void }).query(copy);
  return { done, dataSent: copy.dataSent };
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
const PG_EPOCH_MS = Date.UTC(2000, 0, 1);

export type CopyField =
  | { type: 'uuid'; value: string | null }
  | { type: 'text'; value: string | null }
  | { type: 'int4'; value: number }
  | { type: 'timestamptz'; ms: number }
  | { type: 'text[]'; value: readonly string[] };

const fieldSize = (field: CopyField): number => {
  switch (field.type) {
    case 'uuid':
      return field.value === null ? 4 : 20;
    case 'text':
      return field.value === null ? 4 : 4 + Buffer.byteLength(field.value, 'utf8');
    case 'int4':
      return 8;
    case 'timestamptz':
      return 12;
    case 'text[]':
      return 4 + 12 + (field.value.length > 0 ? 8 : 0) + field.value.reduce((sum, item) => sum + 4 + Buffer.byteLength(item, 'utf8'), 0);
  }
};

function writeUuid(out: Buffer, at: number, value: string): number {
  const hex = value.length === 36 ? value.slice(0, 8) + value.slice(9, 13) + value.slice(14, 18) + value.slice(19, 23) + value.slice(24) : '';
  at = out.writeInt32BE(16, at);
  if (out.write(hex, at, 'hex') !== 16) throw new Error(`not a UUID: ${value.slice(0, 40)}`);
  return at + 16;
}

function writeField(out: Buffer, at: number, field: CopyField): number {
  switch (field.type) {
    case 'uuid':
      return field.value === null ? out.writeInt32BE(-1, at) : writeUuid(out, at, field.value);
    case 'text': {
      if (field.value === null) return out.writeInt32BE(-1, at);
      const start = at + 4;
      const length = out.write(field.value, start, 'utf8');
      out.writeInt32BE(length, at);
      return start + length;
    }
    case 'int4':
      return out.writeInt32BE(field.value, out.writeInt32BE(4, at));
    case 'timestamptz':
      return out.writeBigInt64BE(BigInt(Math.round((field.ms - PG_EPOCH_MS) * 1000)), out.writeInt32BE(8, at));
    case 'text[]': {
      const sizeAt = at;
      at += 4;
      const start = at;
      at = out.writeInt32BE(field.value.length > 0 ? 1 : 0, at);
      at = out.writeInt32BE(0, at);
      at = out.writeUInt32BE(25, at);
      if (field.value.length > 0) {
        at = out.writeInt32BE(field.value.length, at);
        at = out.writeInt32BE(1, at);
        for (const item of field.value) {
          const length = out.write(item, at + 4, 'utf8');
          at = out.writeInt32BE(length, at) + length;
        }
      }
      out.writeInt32BE(at - start, sizeAt);
      return at;
    }
  }
}

/** Rows in COPY's binary format (header, tuples, trailer) in one buffer. */
export function binaryCopyData(rows: readonly CopyField[][]): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const row of rows) {
    size += 2;
    for (const field of row) size += fieldSize(field);
  }
  const out = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(out, 0);
  at = out.writeInt32BE(0, at); // flags
  at = out.writeInt32BE(0, at); // header extension
  for (const row of rows) {
    at = out.writeInt16BE(row.length, at);
    for (const field of row) at = writeField(out, at, field);
  }
  out.writeInt16BE(-1, at);
  return out;
}

/**
 * Array parameters in Postgres' binary format. node-postgres sends Buffer parameters as binary, so
 * the server copies each element instead of parsing an escaped array literal, and no text literal
 * is built here: together that is about a third of the work of a large push.
 */
const OID = { text: 25, int4: 23, float8: 701, uuid: 2950 } as const;

const HEADER = 20;

function header(out: Buffer, oid: number, length: number, hasNull: boolean): number {
  let at = out.writeInt32BE(1, 0); // one dimension
  at = out.writeInt32BE(hasNull ? 1 : 0, at);
  at = out.writeUInt32BE(oid, at);
  at = out.writeInt32BE(length, at);
  return out.writeInt32BE(1, at); // lower bound
}

export function binaryTextArray(values: readonly (string | null)[]): Buffer {
  let size = HEADER;
  let hasNull = false;
  const lengths = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (value === null || value === undefined) {
      lengths[i] = -1;
      hasNull = true;
      size += 4;
    } else {
      lengths[i] = Buffer.byteLength(value, 'utf8');
      size += 4 + lengths[i]!;
    }
  }
  const out = Buffer.allocUnsafe(size);
  let at = header(out, OID.text, values.length, hasNull);
  for (let i = 0; i < values.length; i++) {
    at = out.writeInt32BE(lengths[i]!, at);
    if (lengths[i]! > 0) at += out.write(values[i]!, at, 'utf8');
  }
  return out;
}

export function binaryUuidArray(values: readonly (string | null)[]): Buffer {
  const hasNull = values.some((value) => value === null || value === undefined);
  const out = Buffer.allocUnsafe(HEADER + values.length * 4 + values.filter((v) => v !== null && v !== undefined).length * 16);
  let at = header(out, OID.uuid, values.length, hasNull);
  for (const value of values) {
    if (value === null || value === undefined) {
      at = out.writeInt32BE(-1, at);
      continue;
    }
    at = out.writeInt32BE(16, at);
    const hex = value.replace(/-/g, '');
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new Error(`not a UUID: ${value.slice(0, 40)}`);
    at += out.write(hex, at, 'hex');
  }
  return out;
}

export function binaryInt4Array(values: readonly number[]): Buffer {
  const out = Buffer.allocUnsafe(HEADER + values.length * 8);
  let at = header(out, OID.int4, values.length, false);
  for (const value of values) {
    at = out.writeInt32BE(4, at);
    at = out.writeInt32BE(value, at);
  }
  return out;
}

export function binaryFloat8Array(values: readonly (number | null)[]): Buffer {
  const hasNull = values.some((value) => value === null || value === undefined);
  const out = Buffer.allocUnsafe(HEADER + values.length * 4 + values.filter((v) => v !== null && v !== undefined).length * 8);
  let at = header(out, OID.float8, values.length, hasNull);
  for (const value of values) {
    if (value === null || value === undefined) {
      at = out.writeInt32BE(-1, at);
      continue;
    }
    at = out.writeInt32BE(8, at);
    at = out.writeDoubleBE(value, at);
  }
  return out;
}

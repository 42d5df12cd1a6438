import { UserError } from '../errors.ts';

/**
 * A small argument-spec language: one definition gives the JSON Schema shown to clients and the
 * validation that turns raw arguments into typed values with errors that name the fix.
 */
interface Base {
  description: string;
  required?: boolean;
}
export interface StringSpec extends Base {
  type: 'string';
  minLength?: number;
  maxLength?: number;
  /** Limit in UTF-8 bytes, for large texts. */
  maxBytes?: number;
  enum?: readonly string[];
  trim?: boolean;
}
export interface IntegerSpec extends Base {
  type: 'integer';
  minimum?: number;
  maximum?: number;
}
export interface BooleanSpec extends Base {
  type: 'boolean';
}
/** A list of short strings, given as an array or as one comma-separated string. */
export interface ListSpec extends Base {
  type: 'list';
  maxItems: number;
  maxItemLength: number;
  enum?: readonly string[];
  lowercase?: boolean;
}
/** The largest version number: Postgres' integer (hosted mode), so both modes refuse the same numbers. */
const MAX_VERSION = 2_147_483_647;

/** A version number, or one of the given words ("latest", "all"). */
export interface VersionSpec extends Base {
  type: 'version';
  words: readonly string[];
}
export interface ObjectListSpec extends Base {
  type: 'objects';
  items: Shape;
  minItems: number;
  maxItems: number;
}
export type ArgSpec = StringSpec | IntegerSpec | BooleanSpec | ListSpec | VersionSpec | ObjectListSpec;
export type Shape = Record<string, ArgSpec>;

/** A string, or one of its `enum` when the spec lists them (as a literal tuple). */
type StringValue<S> = S extends { enum: readonly (infer E extends string)[] } ? E : string;
/** A version number, or one of its `words`. */
type VersionValue<S> = S extends { words: readonly (infer W extends string)[] } ? number | W : number | string;

type ValueOf<S extends ArgSpec> = S extends StringSpec
  ? StringValue<S>
  : S extends IntegerSpec
    ? number
    : S extends BooleanSpec
      ? boolean
      : S extends ListSpec
        ? StringValue<S>[]
        : S extends VersionSpec
          ? VersionValue<S>
          : S extends ObjectListSpec
            ? ArgsOf<S['items']>[]
            : never;

type RequiredKeys<S extends Shape> = { [K in keyof S]: S[K] extends { required: true } ? K : never }[keyof S];
type OptionalKeys<S extends Shape> = Exclude<keyof S, RequiredKeys<S>>;
export type ArgsOf<S extends Shape> = { [K in RequiredKeys<S>]: ValueOf<S[K]> } & {
  [K in OptionalKeys<S>]?: ValueOf<S[K]>;
};

/** JSON Schema for a shape: a plain object schema, never a top-level anyOf. */
export function jsonSchemaOf(shape: Shape): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(shape)) properties[name] = propertySchema(spec);
  const required = Object.entries(shape)
    .filter(([, spec]) => spec.required)
    .map(([name]) => name);
  return { type: 'object', properties, ...(required.length > 0 ? { required } : {}), additionalProperties: false };
}

function propertySchema(spec: ArgSpec): Record<string, unknown> {
  const description = spec.description;
  switch (spec.type) {
    case 'string':
      return {
        type: 'string',
        description,
        ...(spec.enum ? { enum: spec.enum } : {}),
        ...(spec.minLength !== undefined ? { minLength: spec.minLength } : {}),
        ...(spec.maxLength !== undefined ? { maxLength: spec.maxLength } : {}),
      };
    case 'integer':
      return {
        type: 'integer',
        description,
        ...(spec.minimum !== undefined ? { minimum: spec.minimum } : {}),
        ...(spec.maximum !== undefined ? { maximum: spec.maximum } : {}),
      };
    case 'boolean':
      return { type: 'boolean', description };
    case 'list': {
      const item = spec.enum ? { type: 'string', enum: spec.enum } : { type: 'string', maxLength: spec.maxItemLength };
      return { description, anyOf: [{ type: 'array', items: item, maxItems: spec.maxItems }, { type: 'string' }] };
    }
    case 'version':
      return {
        description,
        anyOf: [
          { type: 'integer', minimum: 1, maximum: MAX_VERSION },
          { type: 'string', enum: spec.words },
        ],
      };
    case 'objects':
      return {
        type: 'array',
        description,
        minItems: spec.minItems,
        maxItems: spec.maxItems,
        items: jsonSchemaOf(spec.items),
      };
  }
}

const typeName = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

/** Levenshtein distance, to suggest the argument a caller probably meant. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length]!;
}

/** Finds the first character that cannot be stored safely (NUL, lone surrogates). */
function badCharacter(text: string): string | undefined {
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `a NUL character (\\u0000) at position ${nul}`;
  if (!text.isWellFormed()) {
    for (let i = 0; i < text.length; i++) {
      const code = text.charCodeAt(i);
      const isHigh = code >= 0xd800 && code <= 0xdbff;
      const isLow = code >= 0xdc00 && code <= 0xdfff;
      if (isHigh) {
        const next = text.charCodeAt(i + 1);
        if (next >= 0xdc00 && next <= 0xdfff) {
          i++;
          continue;
        }
      }
      if (isHigh || isLow) return `an unpaired UTF-16 surrogate (\\u${code.toString(16)}) at position ${i}`;
    }
  }
  return undefined;
}

const formatBytes = (bytes: number): string =>
  bytes >= 1024 * 1024 ? `${(bytes / (1024 * 1024)).toFixed(1)} MB` : bytes >= 1024 ? `${Math.round(bytes / 1024)} KB` : `${bytes} bytes`;

class ArgProblem extends Error {}

function checkString(path: string, spec: StringSpec, value: unknown): string {
  if (typeof value !== 'string') throw new ArgProblem(`\`${path}\` must be a string, got ${typeName(value)}.`);
  const text = spec.trim === false ? value : value.trim();
  const bad = badCharacter(text);
  if (bad) throw new ArgProblem(`\`${path}\` contains ${bad}, which cannot be stored. Remove or replace it.`);
  if (spec.enum && !spec.enum.includes(text)) {
    throw new ArgProblem(`\`${path}\` must be one of ${spec.enum.map((e) => `"${e}"`).join(', ')}; got "${text.slice(0, 40)}".`);
  }
  if (spec.minLength !== undefined && text.length < spec.minLength) {
    throw new ArgProblem(spec.minLength === 1 ? `\`${path}\` is empty. Pass a non-empty value.` : `\`${path}\` must be at least ${spec.minLength} characters.`);
  }
  if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    throw new ArgProblem(`\`${path}\` is ${text.length} characters long; the limit is ${spec.maxLength}. Shorten it.`);
  }
  if (spec.maxBytes !== undefined) {
    const bytes = Buffer.byteLength(text, 'utf8');
    if (bytes > spec.maxBytes) {
      throw new ArgProblem(`\`${path}\` is ${formatBytes(bytes)}; the limit is ${formatBytes(spec.maxBytes)}. Split it into several smaller pieces.`);
    }
  }
  return text;
}

function checkList(path: string, spec: ListSpec, value: unknown): string[] {
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else throw new ArgProblem(`\`${path}\` must be an array of strings or a comma-separated string, got ${typeName(value)}.`);
  const result: string[] = [];
  for (const [index, item] of items.entries()) {
    const text = checkString(`${path}[${index}]`, { type: 'string', description: '', maxLength: spec.maxItemLength }, item);
    const normal = spec.lowercase ? text.toLowerCase() : text;
    if (normal === '') continue;
    if (spec.enum && !spec.enum.includes(normal)) {
      throw new ArgProblem(`\`${path}\` may only contain ${spec.enum.map((e) => `"${e}"`).join(', ')}; got "${normal.slice(0, 40)}".`);
    }
    if (!result.includes(normal)) result.push(normal);
  }
  if (result.length > spec.maxItems) throw new ArgProblem(`\`${path}\` has ${result.length} items; the limit is ${spec.maxItems}.`);
  return result;
}

function checkValue(path: string, spec: ArgSpec, value: unknown): unknown {
  switch (spec.type) {
    case 'string':
      return checkString(path, spec, value);
    case 'integer': {
      const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isInteger(number)) {
        throw new ArgProblem(`\`${path}\` must be a whole number, got ${typeName(value)}${typeof value === 'number' ? ` (${value})` : ''}.`);
      }
      if (spec.minimum !== undefined && number < spec.minimum) throw new ArgProblem(`\`${path}\` must be at least ${spec.minimum}, got ${number}.`);
      if (spec.maximum !== undefined && number > spec.maximum) throw new ArgProblem(`\`${path}\` must be at most ${spec.maximum}, got ${number}.`);
      return number;
    }
    case 'boolean':
      if (value === 'true') return true;
      if (value === 'false') return false;
      if (typeof value !== 'boolean') throw new ArgProblem(`\`${path}\` must be true or false, got ${typeName(value)}.`);
      return value;
    case 'list':
      return checkList(path, spec, value);
    case 'version': {
      if (typeof value === 'string' && spec.words.includes(value.trim().toLowerCase())) return value.trim().toLowerCase();
      const number = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof number === 'number' && Number.isInteger(number) && number >= 1 && number <= MAX_VERSION) return number;
      throw new ArgProblem(
        `\`${path}\` must be a version number (1, 2, ... at most ${MAX_VERSION}) or ${spec.words.map((w) => `"${w}"`).join(' or ')}, got ${typeName(value)}${typeof value === 'string' || typeof value === 'number' ? ` (${String(value).slice(0, 20)})` : ''}.`,
      );
    }
    case 'objects': {
      if (!Array.isArray(value)) throw new ArgProblem(`\`${path}\` must be an array, got ${typeName(value)}.`);
      if (value.length < spec.minItems) throw new ArgProblem(`\`${path}\` needs at least ${spec.minItems} item(s).`);
      if (value.length > spec.maxItems) throw new ArgProblem(`\`${path}\` has ${value.length} items; the limit is ${spec.maxItems}. Split the batch.`);
      return value.map((item, index) => checkObject(`${path}[${index}]`, spec.items, item));
    }
  }
}

/** Arguments checked by another shape, neither refused nor returned here; listed before or after the shape's own. */
interface AlsoAccepted {
  names: readonly string[];
  first: boolean;
}

function checkObject(path: string, shape: Shape, raw: unknown, also: AlsoAccepted = { names: [], first: false }): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ArgProblem(`${path ? `\`${path}\`` : 'The arguments'} must be an object, got ${typeName(raw)}.`);
  }
  const input = raw as Record<string, unknown>;
  const known = also.first ? [...also.names, ...Object.keys(shape)] : [...Object.keys(shape), ...also.names];
  const prefix = path ? `${path}.` : '';
  for (const key of Object.keys(input)) {
    if (known.includes(key)) continue;
    const closest = known.map((name) => ({ name, d: distance(key.toLowerCase(), name.toLowerCase()) })).sort((a, b) => a.d - b.d)[0];
    const hint = closest && closest.d <= Math.max(2, Math.floor(key.length / 3)) ? ` Did you mean \`${prefix}${closest.name}\`?` : '';
    throw new ArgProblem(`Unknown argument \`${prefix}${key}\`.${hint} Accepted: ${known.map((k) => `\`${k}\``).join(', ') || 'none'}.`);
  }
  const result: Record<string, unknown> = {};
  for (const [name, spec] of Object.entries(shape)) {
    const value = input[name];
    if (value === undefined || value === null) {
      if (spec.required) throw new ArgProblem(`Missing required argument \`${prefix}${name}\` (${spec.description.split('.')[0]}).`);
      continue;
    }
    result[name] = checkValue(`${prefix}${name}`, spec, value);
  }
  return result;
}

/** Validates raw tool arguments against a shape; a problem becomes an INVALID_ARGUMENTS UserError. */
export function parseArgs<S extends Shape>(toolName: string, shape: S, raw: unknown, also?: AlsoAccepted): ArgsOf<S> {
  try {
    // checkObject checked every value against its spec: this is where they become typed.
    return checkObject('', shape, raw ?? {}, also) as ArgsOf<S>;
  } catch (error) {
    if (!(error instanceof ArgProblem)) throw error;
    throw new UserError('INVALID_ARGUMENTS', `${toolName}: ${error.message}`, `Call ${toolName} again with corrected arguments; nothing was changed.`);
  }
}

/**
 * Validates raw arguments against a shape and an `extra` one (the `project` argument the gateway
 * adds to a tool's or prompt's own), with errors that name every accepted argument (the extra ones
 * listed first when `extraFirst`, as they are shown to clients); returns them apart.
 */
export function parseArgsWith<S extends Shape, E extends Shape>(
  toolName: string,
  shape: S,
  extra: E,
  raw: unknown,
  extraFirst = false,
): { args: ArgsOf<S>; extra: ArgsOf<E> } {
  const args = parseArgs(toolName, shape, raw, { names: Object.keys(extra), first: extraFirst });
  const given = typeof raw === 'object' && raw !== null ? Object.fromEntries(Object.entries(raw).filter(([name]) => name in extra)) : {};
  return { args, extra: parseArgs(toolName, extra, given) };
}

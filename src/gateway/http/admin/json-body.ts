import type { IncomingMessage } from 'node:http';
import { HttpError, readBody } from '../http-utils.ts';

/** Admin requests are small forms; 64 KB is generous. */
const ADMIN_BODY_LIMIT = 64 * 1024;

/** The JSON object of an admin write; an empty body is an empty object. */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  const raw = (await readBody(req, ADMIN_BODY_LIMIT)).toString('utf8').trim();
  if (raw === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new HttpError(400, 'The request body is not valid JSON.');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new HttpError(400, 'The request body must be a JSON object.');
  return value as Record<string, unknown>;
}

export function optionalString(body: Record<string, unknown>, key: string): string | undefined {
  const value = body[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new HttpError(400, `"${key}" must be a string.`);
  return value;
}

export function requiredString(body: Record<string, unknown>, key: string): string {
  const value = optionalString(body, key);
  if (value === undefined || value.trim() === '') throw new HttpError(400, `"${key}" is required.`);
  return value;
}

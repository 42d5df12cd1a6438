import { existsSync, readFileSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../errors.ts';
import type { Skip, SourceProblem } from '../import-plan.ts';

/**
 * The knowledge graph of @modelcontextprotocol/server-memory: a JSONL file (memory.jsonl, formerly
 * memory.json with the same lines), one object per line:
 *   {"type":"entity","name":"Alice","entityType":"person","observations":["..."]}
 *   {"type":"relation","from":"Alice","to":"Acme","relationType":"works_at"}
 */
export interface Entity {
  name: string;
  entityType: string;
  observations: string[];
  line: number;
}

export interface Relation {
  from: string;
  to: string;
  relationType: string;
  line: number;
}

export interface Graph {
  path: string;
  entities: Entity[];
  relations: Relation[];
  skipped: Skip[];
  problems: SourceProblem[];
}

const isStringArray = (value: unknown): value is string[] => Array.isArray(value) && value.every((item) => typeof item === 'string');

/**
 * The parser's reason in full, its position as the column of the line (1-based, as editors count).
 * Node's "(line 1 column N)" is left out: the line is ours to name, and it is always 1 here.
 */
function jsonReason(message: string): string {
  const at = /^(.*) in JSON at position (\d+)/.exec(message);
  return at ? `${at[1]} at column ${Number(at[2]) + 1}` : message;
}

/** Reads the file; a line that is not what server-memory writes is a problem that names the line. */
export function readGraph(path: string): Graph {
  const full = resolve(path);
  if (!existsSync(full) || statSync(full).isDirectory()) {
    throw new UserError(
      'IMPORT_SOURCE_UNREADABLE',
      `There is no file ${full}.`,
      'Pass the memory.jsonl of server-memory (its MEMORY_FILE_PATH, or memory.jsonl beside its index.js).',
    );
  }
  const graph: Graph = { path: full, entities: [], relations: [], skipped: [], problems: [] };
  const problem = (line: number, text: string) => graph.problems.push({ where: full, table: 'line', row: String(line), problem: text });
  const lines = readFileSync(full, 'utf8').split('\n');
  for (const [index, text] of lines.entries()) {
    const line = index + 1;
    if (text.trim() === '') continue;
    let item: Record<string, unknown>;
    try {
      const parsed = JSON.parse(text) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
      item = parsed as Record<string, unknown>;
    } catch (error) {
      problem(line, `is not a JSON object (${jsonReason((error as Error).message)})`);
      continue;
    }
    if (item.type === 'entity') {
      if (typeof item.name !== 'string' || typeof item.entityType !== 'string' || !isStringArray(item.observations)) {
        problem(line, 'is an entity without a text name, a text entityType and an array of text observations');
        continue;
      }
      graph.entities.push({ name: item.name, entityType: item.entityType, observations: item.observations, line });
    } else if (item.type === 'relation') {
      if (typeof item.from !== 'string' || typeof item.to !== 'string' || typeof item.relationType !== 'string') {
        problem(line, 'is a relation without text from, to and relationType');
        continue;
      }
      graph.relations.push({ from: item.from, to: item.to, relationType: item.relationType, line });
    } else {
      graph.skipped.push({ item: `line ${line}`, reason: `type ${JSON.stringify(item.type ?? null).slice(0, 30)} is neither an entity nor a relation` });
    }
  }
  return graph;
}

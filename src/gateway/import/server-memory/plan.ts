import type { ImportPlan, LabelSnapshot, ProjectPlan } from '../import-plan.ts';
import { Bad, checkLockInput } from '../source-values.ts';
import type { Entity, Graph, Relation } from './jsonl-graph.ts';

/** The text of an entity: its type, its observations, and its relations both ways, readable. */
export function entityText(entity: Entity, outgoing: Relation[], incoming: Relation[]): string {
  const lines = [`${entity.name} (${entity.entityType})`];
  if (entity.observations.length > 0) lines.push('', ...entity.observations.map((observation) => `- ${observation}`));
  const relations = [...outgoing, ...incoming];
  if (relations.length > 0) lines.push('', 'Relations:', ...relations.map((r) => `- ${r.from} ${r.relationType.replace(/_/g, ' ')} ${r.to}`));
  return lines.join('\n');
}

/**
 * Every entity becomes a context of `project`: label from its name, tags from its type, the text
 * from its observations and relations. Importing a changed graph again adds a version only for the
 * entities whose text changed (see plan-writer's snapshots).
 */
export function planServerMemory(graph: Graph, project: string): ImportPlan {
  const plan: ProjectPlan = { name: project, from: [graph.path], labels: [], handovers: [], notes: [], skipped: [...graph.skipped], warnings: [] };
  const outgoing = new Map<string, Relation[]>();
  const incoming = new Map<string, Relation[]>();
  const names = new Set(graph.entities.map((entity) => entity.name));
  for (const relation of graph.relations) {
    if (!names.has(relation.from) && !names.has(relation.to)) {
      plan.skipped.push({ item: `line ${relation.line}`, reason: `the relation ${relation.from} → ${relation.to} joins two entities the file does not have` });
      continue;
    }
    outgoing.set(relation.from, [...(outgoing.get(relation.from) ?? []), relation]);
    incoming.set(relation.to, [...(incoming.get(relation.to) ?? []), relation]);
  }
  const seen = new Map<string, number>();
  for (const entity of graph.entities) {
    const item = `line ${entity.line} (entity "${entity.name.slice(0, 60)}")`;
    const content = entityText(entity, outgoing.get(entity.name) ?? [], incoming.get(entity.name) ?? []);
    const input = checkLockInput(entity.name, content, entity.entityType);
    if (input instanceof Bad) {
      plan.skipped.push({ item, reason: input.problem });
      continue;
    }
    const earlier = seen.get(input.label);
    if (earlier !== undefined) {
      plan.skipped.push({ item, reason: `line ${earlier} already has an entity named "${input.label}"` });
      continue;
    }
    seen.set(input.label, entity.line);
    plan.labels.push({
      kind: 'snapshot',
      label: input.label,
      content: input.content,
      priority: 'reference',
      tags: input.tags,
      source: item,
    } satisfies LabelSnapshot);
  }
  return { kind: 'server-memory', from: graph.path, projects: [plan], skipped: [], warnings: [], problems: graph.problems };
}

/** What a context version is, shared by the store, its rules and the hosted store. */

export const PRIORITIES = ['always_check', 'important', 'reference'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface ContextVersion {
  id: string;
  project: string;
  label: string;
  version: number;
  content: string;
  priority: Priority;
  tags: string[];
  contentHash: string;
  createdAt: number;
  clientId: string | null;
  sessionId: string | null;
}

export interface ArchivedVersion extends ContextVersion {
  archivedAt: number;
}

export type VersionSelector = number | 'latest';

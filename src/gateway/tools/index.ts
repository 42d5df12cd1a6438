import { batchLockContexts, batchRecallContexts, lockContext, recallContext, restoreContext, unlockContext, updateContext } from './context-tools.ts';
import { checkContexts, contextDashboard, exploreContextTree, searchContexts } from './finding-tools.ts';
import { createProject, deleteProject, getProjectInfo, listProjects, selectProject, setSecretHandling } from './project-tools.ts';
import { addNote, endSession, getLastHandover, sessionStatus } from './session-tools.ts';
import type { ToolDefinition } from './tool.ts';

/** Every tool the gateway serves, in the order clients list them. */
export const allTools: readonly ToolDefinition[] = [
  listProjects,
  createProject,
  selectProject,
  getProjectInfo,
  deleteProject,
  setSecretHandling,
  sessionStatus,
  endSession,
  getLastHandover,
  addNote,
  lockContext,
  recallContext,
  updateContext,
  unlockContext,
  restoreContext,
  batchLockContexts,
  batchRecallContexts,
  searchContexts,
  exploreContextTree,
  contextDashboard,
  checkContexts,
];

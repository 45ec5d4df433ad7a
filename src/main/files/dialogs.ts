// The options of the desktop app's native dialogs, from what the renderer asked for: a request
// names a kind, never a title, a filter or a starting folder of its own.
import { newProjectPurposes, openPathKinds, type OpenPathKind } from '$shared/dialogs';
import { labelFileExtensions } from '../exchange/formats';

interface FileFilter {
  name: string;
  extensions: string[];
}

/** The parts of Electron's OpenDialogOptions used here (this module stays free of Electron). */
export interface OpenOptions {
  title: string;
  defaultPath: string;
  properties: ('openFile' | 'openDirectory')[];
  filters?: FileFilter[];
}

export interface SaveOptions {
  title: string;
  defaultPath: string;
  filters: FileFilter[];
  properties: 'showOverwriteConfirmation'[];
}

const projectFilter: FileFilter = { name: 'CSRA Studio projects', extensions: ['sqlite'] };

const isOpenPathKind = (kind: unknown): kind is OpenPathKind =>
  typeof kind === 'string' && (openPathKinds as readonly string[]).includes(kind);

/** The open dialog for `kind`; null for a request that names no kind of ours. */
export function openDialogOptions(kind: unknown, home: string): OpenOptions | null {
  if (!isOpenPathKind(kind)) return null;
  switch (kind) {
    case 'project':
      return {
        title: 'Open a project',
        defaultPath: home,
        properties: ['openFile'],
        filters: [projectFilter],
      };
    case 'folder':
      return {
        title: 'Choose the folder of photos to import',
        defaultPath: home,
        properties: ['openDirectory'],
      };
    case 'labels':
      // A folder format (VOC) is typed or chosen in the in-page browser: outside macOS a native
      // dialog picks files or folders, not both.
      return {
        title: 'Choose a label file',
        defaultPath: home,
        properties: ['openFile'],
        filters: [
          { name: 'Label files', extensions: [...labelFileExtensions] },
          { name: 'All files', extensions: ['*'] },
        ],
      };
  }
}

const newProjectTitles = { create: 'Create a project', 'save-as': 'Save the project as' };

/**
 * The save dialog for a new project's file, to create a project or to save the open one as a copy;
 * null for a request that names no purpose of ours. It asks before an existing file is chosen,
 * though createProject and saveProjectAs refuse one anyway.
 */
export function newProjectDialogOptions(purpose: unknown, home: string): SaveOptions | null {
  if (typeof purpose !== 'string' || !(newProjectPurposes as readonly string[]).includes(purpose))
    return null;
  return {
    title: newProjectTitles[purpose as keyof typeof newProjectTitles],
    defaultPath: home,
    filters: [projectFilter],
    properties: ['showOverwriteConfirmation'],
  };
}

/** The path a dialog's result holds, or null when it was cancelled. */
export const chosenPath = (result: { canceled: boolean; filePaths?: string[]; filePath?: string }) =>
  result.canceled ? null : (result.filePaths?.[0] ?? result.filePath ?? null) || null;

// The desktop app's native file dialogs, as the preload script exposes them to the renderer: each
// path field names what it wants, and main alone turns that into the dialog's options.

/** What an open dialog picks: a project file, a folder of photos, or a label file of any format read. */
export const openPathKinds = ['project', 'folder', 'labels'] as const;
export type OpenPathKind = (typeof openPathKinds)[number];

/** Why a new project's file is asked for: to create a project, or to save the open one as a copy. */
export const newProjectPurposes = ['create', 'save-as'] as const;
export type NewProjectPurpose = (typeof newProjectPurposes)[number];

/** What src/preload/index.ts puts on `window.dialogs`. */
export interface NativeDialogs {
  /** An open dialog for an existing path of the kind; null when cancelled. */
  openPath(kind: OpenPathKind): Promise<string | null>;
  /** A save dialog for a new project's file; null when cancelled. */
  newProjectPath(purpose: NewProjectPurpose): Promise<string | null>;
}

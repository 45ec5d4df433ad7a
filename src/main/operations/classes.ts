// Class operations: the project's class list; every change re-measures uncertainty and is announced.
import {
  createClass,
  ensureClasses,
  listClasses,
  mergeClasses,
  reorderClasses,
  updateClass,
} from '../db/classes';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const classOperations = (session: StudioSession) =>
  ({
    listClasses: async ({ includeArchived }) =>
      listClasses(session.requireOpen().project.db, { includeArchived }),
    createClass: async (input) =>
      session.classesChanged(createClass(session.requireOpen().project.db, input)),
    addClasses: async ({ names }) => {
      const { db } = session.requireOpen().project;
      const { ids } = ensureClasses(db, names);
      const wanted = new Set(ids.values());
      return session.classesChanged(
        listClasses(db, { includeArchived: true }).filter((item) => wanted.has(item.id)),
      );
    },
    updateClass: async ({ classId, ...update }) =>
      session.classesChanged(updateClass(session.requireOpen().project.db, classId, update)),
    reorderClasses: async ({ classIds }) => {
      const { db } = session.requireOpen().project;
      reorderClasses(db, classIds);
      return session.classesChanged(listClasses(db));
    },
    mergeClasses: async ({ from, into }) => {
      const { project } = session.requireOpen();
      const outcome = session.labelsChanged(mergeClasses(project.db, from, into));
      session.classesChanged(null);
      return outcome;
    },
  }) satisfies Partial<Implementation>;

// Exchange operations: the label formats, and exporting the project's labels in one.
import { exportLabels, exportText, previewExport } from '../exchange/export';
import { exchangeFormats } from '../exchange/formats';
import type { StudioSession } from '../session';
import type { Implementation } from './implementation';

export const exchangeOperations = (session: StudioSession) =>
  ({
    listFormats: async () =>
      exchangeFormats.map((format) => ({
        id: format.id,
        title: format.title,
        layout: format.layout,
        canImport: format.read !== undefined,
        canExport: format.write !== undefined,
        loses: [...format.loses],
      })),
    previewExport: async (choice) => previewExport(session.requireOpen().project, choice),
    exportLabels: async (request) =>
      exportLabels(session.requireOpen().project, { ...request, out: session.typed(request.out) }),
    exportText: async (choice) => exportText(session.requireOpen().project, choice),
  }) satisfies Partial<Implementation>;

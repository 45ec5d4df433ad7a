// The one implementation of the shared contract. Electron IPC, the browser host and direct callers
// (tests, the CLI) all come through `handle`, which validates every request before any service
// sees it and turns every failure into a typed error. The open project's lifecycle is the session
// (session.ts); the operations, grouped as the contract groups them, are in operations/.
import { z } from 'zod';
import { operations, type OpName } from '$shared/contract';
import { ApiError, type Envelope, type Transport } from '$shared/rpc';
import { readMedia, type Media, type MediaKind } from './media';
import { classOperations } from './operations/classes';
import { exchangeOperations } from './operations/exchange';
import { fileOperations } from './operations/files';
import { imageOperations } from './operations/images';
import type { Implementation } from './operations/implementation';
import { jobOperations } from './operations/jobs';
import { labelOperations } from './operations/labels';
import { modelOperations } from './operations/models';
import { projectOperations } from './operations/projects';
import { reviewOperations } from './operations/review';
import { trainingOperations } from './operations/training';
import type { Project } from './project';
import { StudioSession, type StudioOptions } from './session';

export type { StudioOptions } from './session';

export interface Studio extends Transport {
  readonly project: Project | null;
  /** The bytes behind a media URL of the open project, for the media routes of the transports. */
  readMedia(kind: MediaKind, id: number): Promise<Media>;
  /** Stops running jobs at a safe point and closes the project. */
  close(): Promise<void>;
}

export function createStudio(options: StudioOptions = {}): Studio {
  const session = new StudioSession(options);
  const implementation: Implementation = {
    ...projectOperations(session),
    ...classOperations(session),
    ...imageOperations(session),
    ...labelOperations(session),
    ...jobOperations(session),
    ...modelOperations(session),
    ...trainingOperations(session),
    ...reviewOperations(session),
    ...exchangeOperations(session),
    ...fileOperations(session),
  };

  return {
    get project() {
      return session.project;
    },
    readMedia: (kind, id) =>
      readMedia(session.project, kind, id, (imageId) =>
        session.publish({ type: 'photos', imageIds: [imageId] }),
      ),
    async call(op: OpName, input: unknown): Promise<Envelope> {
      try {
        if (typeof op !== 'string' || !Object.hasOwn(operations, op)) {
          throw new ApiError('unknown_operation', `unknown operation ${JSON.stringify(op)}`);
        }
        const parsed = operations[op].input.safeParse(input ?? {});
        if (!parsed.success) {
          throw new ApiError(
            'invalid_request',
            `${op}: ${z.prettifyError(parsed.error).replace(/\n/g, '; ')}`,
          );
        }
        const run = implementation[op] as (input: unknown) => Promise<unknown>;
        return { ok: true, result: await run(parsed.data) };
      } catch (error) {
        if (error instanceof ApiError)
          return {
            ok: false,
            error: { code: error.code, message: error.message },
          };
        console.error(`csra-studio: ${op} failed`, error);
        return {
          ok: false,
          error: {
            code: 'internal',
            message: (error as Error).message ?? String(error),
          },
        };
      }
    },
    subscribe: (listener) => session.subscribe(listener),
    close: () => session.close(),
  };
}

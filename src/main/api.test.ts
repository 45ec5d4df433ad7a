import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { newStudio } from '../../test/fixtures/direct-api';
import { tempDir } from '../../test/fixtures/workspace';
import { createStudio } from './api';

describe('the API', () => {
  it('rejects a request that does not match its schema with a typed error, and keeps serving', async () => {
    const { studio } = await newStudio();
    const cases: [string, unknown, RegExp][] = [
      ['listImages', { limit: 100000 }, /limit/],
      ['listImages', { offset: -1 }, /offset/],
      ['listImages', { offset: 'zero' }, /offset/],
      ['startImport', {}, /folder/],
      ['startImport', { folder: '' }, /a path is required/],
      ['startImport', { folder: '/tmp', extra: true }, /extra/],
      ['cancelJob', { jobId: 1.5 }, /jobId/],
      ['openProject', 'not an object', /object/],
    ];
    for (const [op, input, message] of cases) {
      const envelope = await studio.call(op as never, input);
      expect(envelope).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(!envelope.ok && envelope.error.message).toMatch(message);
    }
    expect(await studio.call('getProject', {})).toMatchObject({ ok: true });
  });

  it('names an unknown operation, including inherited property names', async () => {
    const studio = createStudio();
    for (const op of ['dropTables', 'constructor', '__proto__', 42]) {
      expect(await studio.call(op as never, {})).toMatchObject({
        ok: false,
        error: { code: 'unknown_operation' },
      });
    }
  });

  it('asks for a project before project operations', async () => {
    const studio = createStudio();
    expect(await studio.call('listImages', {})).toMatchObject({ ok: false, error: { code: 'no_project' } });
  });

  it('reports a missing or damaged project file instead of crashing', async () => {
    const studio = createStudio();
    const dir = await tempDir();
    expect(await studio.call('openProject', { path: join(dir, 'none.sqlite') })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('answers an unknown job id with not_found', async () => {
    const { studio } = await newStudio();
    for (const op of ['cancelJob', 'resumeJob', 'getImportReport'] as const) {
      expect(await studio.call(op, { jobId: 999 })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    }
  });
});

// End to end in Debian's Chromium: the grid's first page of thumbnails while a pre-label run goes
// on over the 765 real VOC photos. onnxruntime holds the host's event loop for each batch it runs,
// so the thumbnails came one event-loop turn per batch and stayed black for dozens of batches; the
// run now waits for the thumbnails in view. Counted in photos predicted, not in seconds.
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { prelabelBatchSize } from '../../src/main/inference/prelabel-job';
import { jobEnd } from '../fixtures/direct-api';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { vocImages } from '../fixtures/paths';

const { dir, api, host, page, problems } = await startE2eApp('thumbnails-first');

/** The pre-label job's photos done so far. */
async function predicted(jobId: number): Promise<number> {
  const job = (await api.listJobs({})).find((candidate) => candidate.id === jobId)!;
  expect(job.status).toBe('running');
  return job.done;
}

it('serves the first page of thumbnails while pre-labeling runs, before the run goes much further', async () => {
  await api.createProject({ path: join(dir, 'voc.sqlite') });
  const imported = await api.startImport({ folder: vocImages });
  expect((await jobEnd(api, imported.id)).status).toBe('done');
  const run = await api.startPrelabel({ provider: 'cpu' });
  // Running batches, past the model's load.
  await expect.poll(() => predicted(run.id), slow).toBeGreaterThanOrEqual(2 * prelabelBatchSize);

  let firstAsked: Promise<number> | null = null;
  page.on('request', (request) => {
    if (request.url().includes('/media/thumb/')) firstAsked ??= predicted(run.id);
  });
  await page.goto(host.openUrl);
  await page.getByRole('heading', { level: 1, name: 'voc' }).waitFor(slow);
  await expect
    .poll(
      () =>
        page.evaluate(
          `(() => { const shown = [...document.querySelectorAll('.grid .tile img')].filter((img) => img.getBoundingClientRect().top < innerHeight); return shown.length > 0 && shown.every((img) => img.complete && img.naturalWidth > 0); })()`,
        ),
      { timeout: 300_000 },
    )
    .toBe(true);
  const atLast = await predicted(run.id);
  const atFirst = await firstAsked!;
  const shown = await page.evaluate<number>(
    `[...document.querySelectorAll('.grid .tile img')].filter((img) => img.getBoundingClientRect().top < innerHeight).length`,
  );
  console.log(`first page: ${shown} thumbnails; ${atLast - atFirst} photos predicted while they loaded`);
  await page.screenshot({ path: join(screenshots, 'thumbnails-during-prelabel.png') });
  // Batches wait for the thumbnails in view, each at most 2 s: on a quiet machine none or one goes
  // through while a page loads, on a busy one (load 9, a page's thumbnails made in seconds) up to 9
  // were seen. Without the wait the page took dozens of batches; 12 tells the two apart.
  expect(atLast - atFirst).toBeLessThanOrEqual(12 * prelabelBatchSize);

  await api.cancelJob({ jobId: run.id });
  expect((await jobEnd(api, run.id)).status).toBe('cancelled');
  expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
}, 600_000);

// End to end in Debian's Chromium: the metrics view as a curator meets it. A project of forty
// labelled VOC photos, pre-labelled by the pack, with a version trained on them and active (made
// through the API, as the train e2e test makes one through the app): the view shows what evaluate
// answers for the chosen version and split, and a second version beside it.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { EvalReport } from '$shared/contract';
import { reportFigure, screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { jobEnd, makePhotoFolder } from '../fixtures/renderer-studio';
import { switchDone } from '../fixtures/wait';

const { dir, api, host, page, problems } = await startE2eApp('metrics');
let packId: number;
let trainedId: number;

beforeAll(async () => {
  await api.createProject({ path: join(dir, 'metrics.sqlite') });
  const photos = await makePhotoFolder(dir, { count: 40, withLabels: true });
  const imported = await api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! });
  expect((await jobEnd(api, imported.id)).status).toBe('done');
  const prelabel = await api.startPrelabel({});
  expect((await jobEnd(api, prelabel.id)).status).toBe('done');
  packId = (await api.listModels({})).find((model) => model.active)!.id;
  const run = await api.startTrain({ activate: 'always' });
  expect((await jobEnd(api, run.id)).error).toBeNull();
  trainedId = (await api.getTrainReport({ jobId: run.id })).version!.id;
  // The switch to it pre-labels the photos with the new version in the background.
  await switchDone(api);
}, 600_000);

const panel = () => page.getByRole('region', { name: 'Metrics', exact: true });
const column = (version: string) => panel().getByRole('region', { name: `Metrics of ${version}` });
const points = (value: number | null) => (value === null ? '–' : (value * 100).toFixed(1));

/** What a version's column shows: mAP, the summary table and each class's row, as text. */
async function shown(part: Locator) {
  const summary = await part
    .locator('.summary tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent!.trim())),
    );
  const perClass = await part
    .locator('.per-class tbody tr')
    .evaluateAll((rows) =>
      rows.map((row) => [...row.children].map((cell) => cell.textContent!.replace(/\s+/g, ' ').trim())),
    );
  return { mAP: await reportFigure(part, 'mAP'), summary, perClass };
}

/** The same, worked out from the API's evaluate answer. */
function expected(report: EvalReport) {
  const keys = ['CP', 'CR', 'CF1', 'OP', 'OR', 'OF1'] as const;
  return {
    mAP: points(report.mAP),
    summary: [report.threshold, report.top3].map((figures) => keys.map((key) => points(figures[key]))),
    perClass: report.perClass.map(({ class: name, ap, atThreshold: at }) => [
      name,
      points(ap),
      at.threshold.toFixed(2),
      points(at.precision),
      points(at.recall),
      points(at.f1),
      `${at.positiveDisputed} / ${at.positiveAgreed + at.positiveDisputed}`,
      `${at.negativeDisputed} / ${at.negativeAgreed + at.negativeDisputed}`,
    ]),
  };
}

describe('the metrics view', () => {
  it("shows the active version's figures on all photos, as evaluate gives them", async () => {
    await page.goto(host.openUrl);
    await page.getByRole('heading', { level: 1, name: 'metrics' }).waitFor(slow);
    await page.getByRole('tab', { name: 'Metrics' }).click();
    const trained = (await api.listModels({})).find((model) => model.id === trainedId)!;
    const report = await api.evaluate({ split: 'all' });
    expect(report.modelId).toBe(trainedId);
    await expect.poll(() => shown(column(trained.name)), slow).toEqual(expected(report));
    expect(await reportFigure(column(trained.name), 'Photos')).toBe(String(report.images));

    // The curve and the counts of the first class with positives, its threshold marked.
    const first = report.perClass.find((entry) => entry.ap !== null)!;
    const curve = panel().locator('.curve-chart');
    expect(await curve.getAttribute('aria-label')).toBe(
      `${trained.name}: ${first.class} at threshold ${first.atThreshold.threshold.toFixed(2)}, ` +
        `precision ${points(first.atThreshold.precision)}, recall ${points(first.atThreshold.recall)}`,
    );
    const confusion = panel().locator('table.confusion');
    for (const key of ['positiveAgreed', 'positiveDisputed', 'negativeAgreed', 'negativeDisputed'] as const)
      expect(await confusion.locator(`[data-count="${key}"]`).textContent()).toBe(
        String(first.atThreshold[key]),
      );

    // Another class, chosen from its row, draws its curve.
    const other = report.perClass.findLast((entry) => entry.ap !== null && entry !== first)!;
    await column(trained.name).locator(`.per-class tr[data-class-id="${other.classId}"]`).click();
    await expect
      .poll(() => curve.getAttribute('aria-label'))
      .toMatch(new RegExp(`^${trained.name}: ${other.class} `));
  });

  it('measures on val and compares with the pack, both columns and both versions in the AP chart', async () => {
    await panel().getByLabel('Split').selectOption('val');
    await panel().getByLabel('Compare with').selectOption(String(packId));
    const models = await api.listModels({});
    const trained = models.find((model) => model.id === trainedId)!;
    const pack = models.find((model) => model.id === packId)!;
    const [mine, theirs] = await Promise.all([
      api.evaluate({ split: 'val', modelId: trainedId }),
      api.evaluate({ split: 'val', modelId: packId }),
    ]);
    await expect.poll(() => shown(column(trained.name)), slow).toEqual(expected(mine));
    await expect.poll(() => shown(column(pack.name)), slow).toEqual(expected(theirs));
    expect(await panel().locator('.ap-chart').getAttribute('aria-label')).toBe(
      `AP per class: ${trained.name} mAP ${points(mine.mAP)}, ${pack.name} mAP ${points(theirs.mAP)}`,
    );
    expect(await panel().locator('table.confusion').count()).toBe(2);
    // Chart.js painted both charts.
    for (const chart of ['.ap-chart', '.curve-chart']) {
      const painted: string = await panel()
        .locator(`${chart} canvas`)
        .evaluate((canvas: { toDataURL(): string }) => canvas.toDataURL());
      expect(painted.length).toBeGreaterThan(5_000);
    }

    await page.evaluate('window.scrollTo(0, 0)');
    await mkdir(screenshots, { recursive: true });
    await page.screenshot({ path: join(screenshots, 'metrics.png'), fullPage: true });
  });

  it('compares on all photos on the same photos only, those the trained version did not learn from', async () => {
    await panel().getByLabel('Split').selectOption('all');
    const models = await api.listModels({});
    const trained = models.find((model) => model.id === trainedId)!;
    const pack = models.find((model) => model.id === packId)!;
    const [mine, theirs, packAlone] = await Promise.all([
      api.evaluate({ split: 'all', modelId: trainedId, comparedWith: packId }),
      api.evaluate({ split: 'all', modelId: packId, comparedWith: trainedId }),
      api.evaluate({ split: 'all', modelId: packId }),
    ]);
    expect(theirs.images).toBe(mine.images);
    expect(packAlone.images).toBeGreaterThan(theirs.images);
    await expect.poll(() => shown(column(pack.name)), slow).toEqual(expected(theirs));
    await expect.poll(() => shown(column(trained.name)), slow).toEqual(expected(mine));
    for (const version of [trained.name, pack.name])
      expect(await reportFigure(column(version), 'Photos'), version).toBe(String(mine.images));
    expect(await column(pack.name).locator('.version-head').textContent()).toContain(
      `${packAlone.images - theirs.images} left out to compare on the same photos`,
    );
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});

// End to end in Debian's Chromium: training as a person meets it. A project with a handful of
// labelled photos shows what a run would learn from and why Train is disabled; with more labelled
// photos Train runs, its chart of loss and val mAP grows epoch by epoch, and the new version is
// compared with the active one, then activated from the comparison and listed with the others.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Locator } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TrainReport } from '$shared/contract';
import { reportFigure, screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { jobEnd, makePhotoFolder, type PhotoFolder } from '../fixtures/renderer-studio';

/** A run on forty photos: features, a few trials and the final run, on a busy 2-core machine. */
const training = { timeout: 240_000 };

const { dir, api, host, page, problems } = await startE2eApp('train');
let few: PhotoFolder;
let more: PhotoFolder;
let report: TrainReport;

beforeAll(async () => {
  few = await makePhotoFolder(dir, { count: 6, withLabels: true, name: 'few' });
  more = await makePhotoFolder(dir, { count: 40, withLabels: true, name: 'more' });
});

const trainPanel = () => page.getByRole('region', { name: 'Train', exact: true });
const versionsPanel = () => page.getByRole('region', { name: 'Model versions' });

/** Imports a folder with its labels.csv through the import panel and waits for it to finish. */
async function importFolder(photos: PhotoFolder) {
  const jobs = await api.listJobs({});
  await page.getByLabel('Folder').fill(photos.folder);
  await page.getByLabel(/^Labels file/).fill(photos.labelsFile!);
  await page.getByRole('button', { name: 'Start import' }).click();
  // The new import job, not any new job: the last import's pre-labeling may start meanwhile.
  const newImport = async () =>
    (await api.listJobs({})).find((item) => item.kind === 'import' && !jobs.some((j) => j.id === item.id));
  await expect.poll(newImport, slow).toBeDefined();
  expect((await jobEnd(api, (await newImport())!.id)).status).toBe('done');
}

/**
 * Saves a screenshot of one part of the page, whole: taken from the full page at the top, so the
 * sticky top bar stays where it is instead of covering the part scrolled under it.
 */
async function screenshotOf(part: Locator, name: string) {
  await page.evaluate('window.scrollTo(0, 0)');
  const box = (await part.boundingBox())!;
  await mkdir(screenshots, { recursive: true });
  await page.screenshot({ path: join(screenshots, name), fullPage: true, clip: box });
}

/** The preflight table as shown: each row's class and its four counts. */
async function shownPreflight(panel: Locator): Promise<string[][]> {
  return panel
    .locator('.preflight-table tr.class-row')
    .evaluateAll((rows) =>
      rows.map((row) => [
        row.querySelector('.class-name')!.textContent!.trim(),
        ...[...row.querySelectorAll('td')].map((cell) => cell.textContent!.trim()),
      ]),
    );
}

describe('training in the app', () => {
  it('shows what a run would learn from, and why Train is disabled with six labelled photos', async () => {
    await page.goto(host.openUrl);
    await page.getByLabel('Project file').fill(join(dir, 'train.sqlite'));
    await page.getByRole('button', { name: 'Create new' }).click();
    await page.getByRole('heading', { level: 1, name: 'train' }).waitFor();
    await importFolder(few);

    const panel = trainPanel();
    const preflight = await api.getTrainPreflight({});
    expect(preflight.labelled.train + preflight.labelled.val).toBe(6);
    expect(preflight.blockers.length).toBeGreaterThan(0);
    await expect
      .poll(() => shownPreflight(panel), slow)
      .toEqual(
        preflight.classes.map((item) => [
          item.name,
          String(item.train.positive),
          String(item.train.negative),
          String(item.val.positive),
          String(item.val.negative),
        ]),
      );
    expect(await panel.getByLabel('Labelled photos in train and val').textContent()).toMatch(
      new RegExp(`${preflight.labelled.train} train · ${preflight.labelled.val} val`),
    );
    // Each class with too few labels says so on its row.
    for (const item of preflight.classes.filter((entry) => entry.warning !== null)) {
      const row = panel.locator('.preflight-table tr.class-row', {
        has: page.getByText(item.name, { exact: true }),
      });
      expect(await row.locator('xpath=following-sibling::tr[1]').textContent()).toBe(item.warning);
    }

    // Train is disabled, and says why: every blocker, tied to the button as its description.
    const button = panel.getByRole('button', { name: 'Train', exact: true });
    expect(await button.isDisabled()).toBe(true);
    expect(await button.getAttribute('aria-describedby')).toBe('train-blockers');
    expect(await panel.locator('#train-blockers li').allTextContents()).toEqual(preflight.blockers);

    await screenshotOf(panel, 'train-preflight-blocked.png');
  });

  it('trains on forty labelled photos: a live chart of loss and val mAP, then the comparison', async () => {
    await importFolder(more);
    const panel = trainPanel();
    const button = panel.getByRole('button', { name: 'Train', exact: true });
    await expect.poll(() => button.isDisabled(), slow).toBe(false);
    expect(await panel.locator('#train-blockers').count()).toBe(0);
    const baseline = (await api.listModels({})).find((model) => model.active)!;

    // The person decides after comparing.
    await panel.getByLabel('Activate the new version').selectOption('never');
    await button.click();
    await panel.getByRole('progressbar', { name: 'Training progress' }).waitFor(slow);
    expect(await panel.getByRole('button', { name: 'Cancel' }).isEnabled()).toBe(true);

    // The chart appears with the first epoch and grows while the run goes on.
    const chartBox = panel.locator('.chart-box');
    await chartBox.waitFor(training);
    const summaries = new Set<string>();
    while ((await panel.getByRole('progressbar').count()) > 0 && summaries.size < 3) {
      const label = await chartBox.getAttribute('aria-label').catch(() => null);
      if (label) summaries.add(label);
      await page.waitForTimeout(100);
    }
    expect([...summaries][0]).toMatch(/^Training loss and val mAP per epoch, \d+ epochs? in \d+ trials?; /);
    await screenshotOf(panel, 'train-running.png');

    await panel.getByRole('heading', { name: 'Training finished' }).waitFor(training);
    const [job] = (await api.listJobs({})).filter((item) => item.kind === 'train');
    report = await api.getTrainReport({ jobId: job!.id });
    expect(report).toMatchObject({ status: 'done', activated: false });
    const version = report.version!;
    const comparison = report.comparison!;

    // The chart drew every epoch of the run: Chart.js painted the canvas.
    const epochs = report.epochs.length;
    await expect
      .poll(() => chartBox.getAttribute('aria-label'))
      .toMatch(new RegExp(`, ${epochs} epochs in `));
    const painted = await chartBox
      .locator('canvas')
      .evaluate((canvas: { width: number; height: number; toDataURL(): string }) => ({
        width: canvas.width,
        height: canvas.height,
        url: canvas.toDataURL(),
      }));
    expect(painted.width).toBeGreaterThan(200);
    expect(painted.height).toBeGreaterThan(100);
    expect(painted.url.length).toBeGreaterThan(5_000);

    // The backend and the times, as the report gives them.
    const facts = Object.fromEntries(
      await panel
        .locator('.facts > div')
        .evaluateAll((items) =>
          items.map((item) => [
            item.querySelector('dt')!.textContent!.trim(),
            item.querySelector('dd')!.textContent!.trim(),
          ]),
        ),
    );
    expect(facts).toMatchObject({ Backend: report.backend, Version: version.name });
    expect(facts.Features).toMatch(/^\d+(\.\d)? s$|min/);
    expect(facts.Training).toMatch(/^\d+(\.\d)? s$|min/);

    // The new version against the active one: mAP before → after with the change, and every class.
    const compared = panel.getByRole('region', { name: `${version.name} against ${comparison.baseline}` });
    expect(comparison.baseline).toBe(baseline.name);
    const points = (value: number | null) => (value === null ? '–' : (value * 100).toFixed(1));
    expect(await reportFigure(compared, 'Before')).toBe(points(comparison.before));
    expect(await reportFigure(compared, 'After')).toBe(points(comparison.after));
    expect(await reportFigure(compared, 'Val mAP change')).toMatch(/^[+−±]\d+\.\d$/);
    const rows = await compared
      .locator('.per-class tbody tr')
      .evaluateAll((items) =>
        items.map((item) => [...item.children].map((cell) => cell.textContent!.trim()).join(' ')),
      );
    expect(rows).toHaveLength(comparison.perClass.length);
    comparison.perClass.forEach((row, i) => {
      expect(rows[i]).toMatch(new RegExp(`^${row.class} ${points(row.before)} ${points(row.after)} `));
    });
    await screenshotOf(panel, 'train-comparison.png');
  }, 300_000);

  it('activates the new version from the comparison, and lists the versions with their metrics', async () => {
    const version = report.version!;
    const panel = trainPanel();
    const compared = panel.getByRole('region', {
      name: `${version.name} against ${report.comparison!.baseline}`,
    });
    await compared.getByRole('button', { name: 'Activate' }).click();
    await compared.getByText(`${version.name} is the active version`).waitFor(slow);
    expect((await api.listModels({})).find((model) => model.active)?.id).toBe(version.id);

    const versions = versionsPanel();
    const item = versions.getByRole('listitem', { name: `Version ${version.name}` });
    await expect.poll(() => item.locator('.badge').textContent(), slow).toBe('active');
    expect(await item.locator('.map').textContent()).toBe((version.metrics!.valMAP! * 100).toFixed(1));
    expect(await item.textContent()).toContain(report.backend!);
    // Every other version can be activated again.
    const models = await api.listModels({});
    expect(await versions.getByRole('button', { name: /^Activate / }).count()).toBe(models.length - 1);
    await item.getByText('Per-class AP').click();
    expect(await item.locator('.per-class > div').count()).toBe(version.metrics!.perClass.length);
    await screenshotOf(versions, 'train-versions.png');

    // The pre-label panel names the version that pre-labels now.
    await expect
      .poll(
        () =>
          page.getByRole('region', { name: 'Pre-labels', exact: true }).locator('.model-name').textContent(),
        slow,
      )
      .toContain(version.name);

    // Keep current closes a comparison without changing anything: here, after the fact, "Close".
    await compared.getByRole('button', { name: 'Close' }).click();
    expect(await panel.getByRole('region', { name: /against/ }).count()).toBe(0);
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(screenshots, 'train-page.png'), fullPage: true });
  });

  it('logged no console error and no Content Security Policy violation on the way', async () => {
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});

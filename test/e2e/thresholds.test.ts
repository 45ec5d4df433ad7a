// End to end in Debian's Chromium: thresholds tuned on val from the class panel. Sixty real VOC
// photos with their labels, split half train, half val, pre-labelled on the CPU; the panel tunes
// each class's threshold on val (best F1, or a precision to reach), shows the tuned value beside
// the hand-set one, and switches a class, or all of them, between the two. Checked through the API.
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { jobEnd } from '../fixtures/direct-api';
import { screenshots, slow, startE2eApp } from '../fixtures/e2e';
import { makePhotoFolder } from '../fixtures/renderer-studio';

const { dir, api, host, page, problems } = await startE2eApp('thresholds');

beforeAll(async () => {
  await api.createProject({ path: join(dir, 'thresholds.sqlite') });
  const photos = await makePhotoFolder(dir, { count: 60, withLabels: true });
  expect(
    (await jobEnd(api, (await api.startImport({ folder: photos.folder, labelsFile: photos.labelsFile! })).id))
      .status,
  ).toBe('done');
  await api.assignSplits({ val: 0.5, seed: 1 });
  expect((await jobEnd(api, (await api.startPrelabel({ provider: 'cpu' })).id)).status).toBe('done');
  await page.goto(host.openUrl);
  await page.getByRole('heading', { level: 1, name: 'thresholds' }).waitFor(slow);
}, 300_000);

const classPanel = () => page.getByRole('region', { name: 'Classes' });
const tuning = () => classPanel().getByRole('group', { name: 'Thresholds tuned on val' });
const row = (name: string) => classPanel().locator(`li[data-class="${name}"]`);
/** The panel's line on the last tuning. */
const tuningStatus = async () =>
  (await classPanel().getByRole('status', { name: 'Last tuning' }).textContent())
    ?.replace(/\s+/g, ' ')
    .trim();
const person = async () => (await api.listClasses({})).find((item) => item.name === 'person')!;

describe('thresholds tuned on val', () => {
  it('tunes by best F1, shows the tuned value beside the hand-set one, and uses it for one class', async () => {
    await tuning().getByRole('button', { name: 'Tune on val' }).click();
    const classes = await api.listClasses({});
    await expect
      .poll(() => tuningStatus(), slow)
      .toMatch(
        new RegExp(
          `^Tuned \\d+ of ${classes.length} classes on val; \\d+ class(es)? not tuned \\(see each class's ⋯\\)\\.$`,
        ),
      );
    const tuned = (await api.listClasses({})).filter((item) => item.tunedThreshold !== null);
    expect(tuned.map((item) => item.name)).toContain('person');
    // The count follows once the class list is read again after the tuning.
    await expect
      .poll(tuningStatus)
      .toMatch(
        new RegExp(
          `^Tuned ${tuned.length} of ${classes.length} classes on val; ${classes.length - tuned.length} class`,
        ),
      );

    const { tunedThreshold } = await person();
    await row('person').getByRole('button', { name: 'More for person' }).click();
    expect(await row('person').getByLabel('Threshold of person').inputValue()).toBe('0.5');
    expect(await row('person').locator('.tuned').textContent()).toContain(
      `tuned ${tunedThreshold!.toFixed(2)}`,
    );
    await row('person').getByRole('button', { name: 'Use tuned' }).click();
    await expect.poll(person).toMatchObject({ thresholdSource: 'tuned', threshold: tunedThreshold });
    await row('person').getByRole('button', { name: 'Use hand-set' }).waitFor();
    // A class the tuning left out says why.
    const left = (await api.listClasses({})).find((item) => item.tunedThreshold === null)!;
    await row(left.name)
      .getByRole('button', { name: `More for ${left.name}` })
      .click();
    expect(await row(left.name).locator('.tuned').textContent()).toMatch(
      /not tuned: \d+ positive val labels; at least 5 are needed/,
    );
    // One class's controls open at a time: person's again, for the picture.
    await row('person').getByRole('button', { name: 'More for person' }).click();
    await row('person').getByRole('button', { name: 'Use hand-set' }).waitFor();
    await classPanel().screenshot({ path: join(screenshots, 'thresholds-tuned.png') });
  });

  it('tunes for a precision, and switches every class to the tuned or the hand-set thresholds', async () => {
    await tuning().getByLabel('Tuning rule').selectOption('precision');
    await tuning().getByLabel('Minimum precision').fill('0.8');
    await tuning().getByRole('button', { name: 'Tune on val' }).click();
    await expect.poll(async () => (await person()).tunedThreshold, slow).not.toBe(null);
    await tuning().getByRole('button', { name: 'Use tuned' }).click();
    await expect
      .poll(async () => (await api.listClasses({})).every((item) => item.thresholdSource === 'tuned'))
      .toBe(true);
    for (const item of await api.listClasses({}))
      expect(item.threshold).toBe(item.tunedThreshold ?? item.manualThreshold);
    await tuning().getByRole('button', { name: 'Use hand-set' }).click();
    await expect
      .poll(async () =>
        (await api.listClasses({})).every(
          (item) => item.threshold === item.manualThreshold && item.thresholdSource === 'manual',
        ),
      )
      .toBe(true);
    expect(await problems()).toEqual({ consoleErrors: [], cspViolations: [] });
  });
});

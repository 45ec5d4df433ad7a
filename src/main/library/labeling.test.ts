// The labeling API as the workspace drives it: real projects, real VOC photos, real pre-labels.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  crashDuring,
  createTestStudio,
  importAndWait,
  jobEnd,
  newStudio,
} from '../../../test/fixtures/direct-api';
import { imageRecord } from '../../../test/fixtures/image-record';
import { copyVocPhotos, vocTruth } from '../../../test/fixtures/workspace';
import { ensureClasses } from '../db/classes';
import { openDatabase } from '../db/connection';
import { insertImage } from '../db/images';
import { createJob } from '../db/jobs';
import { applyLabelChanges, writeImportedLabels } from '../db/labels';
import { ensurePackModel } from '../db/models';
import { insertPredictions } from '../db/predictions';
import { defaultPackInfo } from '../inference/model-host';
import { labelChunk } from './labeling';

/** A project of VOC photos with the VOC classes but no labels yet, pre-labelled. */
async function prelabelledWithoutLabels(count: number) {
  const context = await newStudio();
  const folder = join(context.dir, 'photos');
  const { names } = await copyVocPhotos(folder, count);
  await importAndWait(context.api, folder);
  for (const name of ['person', 'dog', 'cat', 'chair', 'car', 'horse', 'sofa', 'diningtable']) {
    await context.api.createClass({ name });
  }
  const job = await context.api.startPrelabel({ provider: 'cpu' });
  await jobEnd(context.api, job.id);
  return { ...context, names };
}

describe('labels a person sets', () => {
  it('are saved at once, undone and redone in order, and a new change ends the redo', async () => {
    const { api } = await prelabelledWithoutLabels(2);
    const [dog, cat] = (await api.listClasses({})).filter((c) => c.name === 'dog' || c.name === 'cat');
    const { images } = await api.listImages({});
    const photo = images[0]!.id;

    await api.setLabels({ changes: [{ imageId: photo, classId: dog!.id, state: 'positive' }] });
    await api.setLabels({ changes: [{ imageId: photo, classId: cat!.id, state: 'negative' }] });
    const labelsOf = async () =>
      (await api.getImage({ imageId: photo })).labels.map((l) => [l.classId, l.state]);
    expect(await labelsOf()).toEqual([
      [dog!.id, 'positive'],
      [cat!.id, 'negative'],
    ]);

    expect(await api.undo({})).toMatchObject({ imageIds: [photo] });
    expect(await labelsOf()).toEqual([[dog!.id, 'positive']]);
    await api.undo({});
    expect(await labelsOf()).toEqual([]);
    expect(await api.undo({})).toBeNull();
    await api.redo({});
    expect(await labelsOf()).toEqual([[dog!.id, 'positive']]);

    await api.setLabels({ changes: [{ imageId: photo, classId: dog!.id, state: null }] });
    expect(await labelsOf()).toEqual([]);
    expect(await api.redo({})).toBeNull();
  });

  it('accepting takes the pre-labels above each class threshold, rejecting makes the rest negative', async () => {
    const { api } = await prelabelledWithoutLabels(6);
    const classes = await api.listClasses({});
    const { images } = await api.listImages({});
    const ids = images.map((image) => image.id);

    const accepted = await api.acceptPredictions({ imageIds: ids });
    const after = (await api.listImages({})).images;
    let expected = 0;
    for (const image of after) {
      for (const prediction of image.predictions) {
        const label = image.labels.find((l) => l.classId === prediction.classId);
        if (prediction.probability >= 0.5) {
          expect(label).toEqual({ classId: prediction.classId, state: 'positive', source: 'accepted' });
          expected += 1;
        } else expect(label).toBeUndefined();
      }
    }
    expect(accepted.changed).toBe(expected);
    expect(expected).toBeGreaterThan(0);

    const rejected = await api.rejectUnlabelled({ imageIds: ids });
    expect(rejected.changed).toBe(ids.length * classes.length - expected);
    for (const image of (await api.listImages({})).images) expect(image.labels).toHaveLength(classes.length);
    await api.undo({});
    expect((await api.listImages({})).images.flatMap((image) => image.labels)).toHaveLength(expected);
  });

  it('confirming does both in one action, keeps what a person set, and one undo takes it back', async () => {
    const { api } = await prelabelledWithoutLabels(4);
    const classes = await api.listClasses({});
    const before = (await api.listImages({})).images;
    const [photo, other] = before;
    // The person has already said something about one class: confirming leaves it as it is.
    const predicted = photo!.predictions.find((p) => p.probability >= 0.5)!;
    await api.setLabels({ changes: [{ imageId: photo!.id, classId: predicted.classId, state: 'negative' }] });

    const confirmed = await api.confirmPhotos({ imageIds: [photo!.id, other!.id] });
    expect(confirmed.changed).toBe(2 * classes.length - 1);
    expect(confirmed.imageIds.sort()).toEqual([photo!.id, other!.id].sort());
    for (const image of (await api.listImages({})).images.slice(0, 2)) {
      expect(image.labels).toHaveLength(classes.length);
      for (const label of image.labels) {
        const probability = image.predictions.find((p) => p.classId === label.classId)!.probability;
        if (image.id === photo!.id && label.classId === predicted.classId) {
          expect(label).toMatchObject({ state: 'negative', source: 'human' });
        } else if (probability >= 0.5) {
          expect(label).toMatchObject({ state: 'positive', source: 'accepted' });
        } else {
          expect(label).toMatchObject({ state: 'negative', source: 'human' });
        }
      }
    }

    expect(await api.undo({})).toMatchObject({ description: 'confirm 2 photos' });
    const undone = (await api.listImages({})).images;
    expect(undone[0]!.labels).toEqual([{ classId: predicted.classId, state: 'negative', source: 'human' }]);
    expect(undone[1]!.labels).toEqual([]);
  });

  it('confirming a photo labelled by a labels file makes its labels the person’s: reviewed, and undoable', async () => {
    const { api, dir } = await newStudio();
    const folder = join(dir, 'photos');
    const { labelsFile } = await copyVocPhotos(folder, 4);
    await importAndWait(api, folder, labelsFile);
    const classes = await api.listClasses({});
    const images = (await api.listImages({})).images;
    const [photo] = images;
    // Every class of the file is labelled on every photo, by the file: nothing to accept or reject.
    expect(photo!.labels).toHaveLength(classes.length);
    expect(photo!.labels.every((label) => label.source === 'imported')).toBe(true);
    const ids = async (filter: object) => (await api.listImageIds({ filter })).ids;
    expect(await ids({ reviewed: true })).toEqual([]);
    expect(await ids({ reviewed: false })).toHaveLength(images.length);

    const confirmed = await api.confirmPhotos({ imageIds: [photo!.id] });
    expect(confirmed).toMatchObject({ description: 'confirm 1 photo', changed: classes.length });
    const after = await api.getImage({ imageId: photo!.id });
    expect(after.labels).toEqual(photo!.labels.map((label) => ({ ...label, source: 'human' })));
    expect(await ids({ reviewed: true })).toEqual([photo!.id]);
    expect(await ids({ reviewed: false })).not.toContain(photo!.id);
    // Confirming again has nothing left to record.
    expect((await api.confirmPhotos({ imageIds: [photo!.id] })).changed).toBe(0);

    expect(await api.undo({})).toMatchObject({ description: 'confirm 1 photo', imageIds: [photo!.id] });
    expect((await api.getImage({ imageId: photo!.id })).labels).toEqual(photo!.labels);
    expect(await ids({ reviewed: true })).toEqual([]);
    await api.redo({});
    expect(await ids({ reviewed: true })).toEqual([photo!.id]);

    // A class added later is one nobody has looked for yet: the photo is not reviewed any more.
    await api.createClass({ name: 'zebra' });
    expect(await ids({ reviewed: true })).toEqual([]);
  });

  it('survive a crash right after the key: the labels, their events and the undo history are in the file', async () => {
    const { api, projectPath } = await prelabelledWithoutLabels(3);
    const dog = (await api.listClasses({})).find((c) => c.name === 'dog')!;
    const [photo, other] = (await api.listImages({})).images;
    await api.closeProject({});

    const { answers } = await crashDuring(
      projectPath,
      {
        kind: 'labels',
        input: [
          {
            op: 'setLabels',
            input: { changes: [{ imageId: photo!.id, classId: dog.id, state: 'positive' }] },
          },
          { op: 'confirmPhotos', input: { imageIds: [photo!.id, other!.id] } },
        ],
      },
      { phase: 'labels', fraction: 1 },
    );
    expect(answers.map((answer) => answer.changed)).toEqual([1, expect.any(Number)]);

    // The file opens clean (its integrity is checked on open) with everything the keys did.
    await api.openProject({ path: projectPath });
    const after = (await api.listImages({})).images;
    const classCount = (await api.listClasses({})).length;
    expect(after[0]!.labels).toHaveLength(classCount);
    expect(after[0]!.labels.find((l) => l.classId === dog.id)).toEqual({
      classId: dog.id,
      state: 'positive',
      source: 'human',
    });
    expect(after[1]!.labels).toHaveLength(classCount);
    expect(after[1]!.labels.length + after[0]!.labels.length - 1).toBe(answers[1]!.changed);
    // The undo history came through too: undo takes back the confirmation, then the key.
    expect(await api.undo({})).toMatchObject({ description: 'confirm 2 photos' });
    expect((await api.getImage({ imageId: photo!.id })).labels).toHaveLength(1);
    await api.undo({});
    expect((await api.getImage({ imageId: photo!.id })).labels).toEqual([]);
  });

  it('a class threshold decides which pre-labels accepting takes', async () => {
    const { api } = await prelabelledWithoutLabels(4);
    const person = (await api.listClasses({})).find((c) => c.name === 'person')!;
    await api.updateClass({ classId: person.id, threshold: 0.99 });
    const { images } = await api.listImages({});
    await api.acceptPredictions({ imageIds: images.map((image) => image.id) });
    for (const image of (await api.listImages({})).images) {
      const probability = image.predictions.find((p) => p.classId === person.id)!.probability;
      const label = image.labels.find((l) => l.classId === person.id);
      expect(label?.state).toBe(probability >= 0.99 ? 'positive' : undefined);
    }
  });
});

describe('bulk label actions', () => {
  /**
   * More photos than a bulk action reads at a time, written directly: the default model's
   * probabilities for four of its classes, the first labelled by a file on every photo and the
   * second negative by a person on every seventh.
   */
  async function manyPhotos() {
    const { api, projectPath } = await createTestStudio();
    const db = openDatabase(projectPath, { create: true });
    const job = createJob(db, 'import', {});
    const pack = await defaultPackInfo();
    const names = pack.classes.slice(0, 4);
    const { ids } = ensureClasses(db, names);
    const [fromFile, byPerson] = [ids.get(names[0]!)!, ids.get(names[1]!)!];
    const model = ensurePackModel(db, pack);
    const mapping = names.map((name) => ({
      classId: ids.get(name)!,
      modelIndex: pack.classes.indexOf(name),
    }));
    const imageIds = db.transaction(() => {
      const made = Array.from({ length: labelChunk + 500 }, (_, i) =>
        insertImage(db, imageRecord(`photo-${i}`), job.id),
      );
      const predictions = made.map((imageId) => ({
        imageId,
        scores: Float32Array.from(pack.classes, (_, c) => ((imageId * 31 + c * 17) % 100) / 100),
        maps: Buffer.alloc(4),
      }));
      insertPredictions(db, model.id, predictions, mapping);
      return made;
    })();
    const fileLabels = imageIds.map((imageId) => ({
      imageId,
      classId: fromFile,
      state: imageId % 2 ? ('positive' as const) : ('negative' as const),
    }));
    writeImportedLabels(db, fileLabels, job.id);
    applyLabelChanges(
      db,
      'set by a person',
      imageIds
        .filter((imageId) => imageId % 7 === 0)
        .map((imageId) => ({
          imageId,
          classId: byPerson,
          state: 'negative' as const,
          source: 'human' as const,
        })),
    );
    db.close();
    await api.openProject({ path: projectPath });
    return { api, projectPath, imageIds };
  }

  type Row = [imageId: number, classId: number, oldSource: string | null, newState: string, source: string];
  const rowsOf = (projectPath: string, sql: string, ...params: unknown[]) => {
    const db = new Database(projectPath, { readonly: true });
    try {
      return db
        .prepare(sql)
        .raw()
        .all(...params) as Row[];
    } finally {
      db.close();
    }
  };
  const labelRows = (projectPath: string) =>
    rowsOf(
      projectPath,
      'SELECT image_id, class_id, NULL, state, source FROM labels ORDER BY image_id, class_id',
    );

  it('confirm more photos than they read at a time as one action: pre-labels, then negatives, then labels from a file, all undone by one undo', async () => {
    const { api, projectPath, imageIds } = await manyPhotos();
    const classes = await api.listClasses({});
    const before = labelRows(projectPath);
    const preview = await api.previewConfirm({ imageIds });

    const confirmed = await api.confirmPhotos({ imageIds });
    expect([...confirmed.imageIds].sort((a, b) => a - b)).toEqual(imageIds);
    // Every photo now has every class, as a person's or an accepted pre-label.
    const after = labelRows(projectPath);
    expect(after).toHaveLength(imageIds.length * classes.length);
    expect(after.every(([, , , , source]) => source === 'human' || source === 'accepted')).toBe(true);

    const events = rowsOf(
      projectPath,
      `SELECT e.image_id, e.class_id, e.old_source, e.new_state, e.source FROM label_events e
         JOIN actions a ON a.id = e.action_id WHERE a.description = ? ORDER BY e.id`,
      `confirm ${imageIds.length.toLocaleString('en')} photos`,
    );
    expect(events).toHaveLength(confirmed.changed);
    const kindOf = ([, , oldSource, newState, source]: Row) =>
      oldSource === 'imported' ? 'from file' : source === 'accepted' ? 'accepted' : `${newState} ${source}`;
    const kinds = events.map(kindOf);
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    // Each kind is one run of events across every chunk of photos, in the order the action names them.
    expect(kinds).toEqual([
      ...Array<string>(count('accepted')).fill('accepted'),
      ...Array<string>(count('negative human')).fill('negative human'),
      ...Array<string>(count('from file')).fill('from file'),
    ]);
    expect(count('from file')).toBe(imageIds.length);
    expect(preview).toMatchObject({
      photos: imageIds.length,
      accepted: count('accepted'),
      negatives: count('negative human'),
      labels: count('accepted') + count('negative human'),
      unpredicted: 0,
    });
    // The accepted pre-labels and the negatives each come photo by photo, chunk after chunk.
    const photoOrder = (kind: string) => events.filter((e) => kindOf(e) === kind).map(([imageId]) => imageId);
    for (const kind of ['accepted', 'negative human']) {
      const order = photoOrder(kind);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }

    expect(await api.undo({})).toMatchObject({
      description: `confirm ${imageIds.length.toLocaleString('en')} photos`,
    });
    expect(labelRows(projectPath)).toEqual(before);
    await api.redo({});
    expect(labelRows(projectPath)).toEqual(after);
  });

  it('accept and reject more photos than they read at a time, each as one action', async () => {
    const { api, projectPath, imageIds } = await manyPhotos();
    const classes = await api.listClasses({});
    const before = labelRows(projectPath);
    const accepted = await api.acceptPredictions({ imageIds });
    const rejected = await api.rejectUnlabelled({ imageIds });
    expect(accepted.changed + rejected.changed + before.length).toBe(imageIds.length * classes.length);
    expect(labelRows(projectPath).filter(([, , , , source]) => source === 'accepted')).toHaveLength(
      accepted.changed,
    );
    await api.undo({});
    await api.undo({});
    expect(labelRows(projectPath)).toEqual(before);
  });
});

describe('the grid', () => {
  it('filters by label state, probability, unlabelled and disagreement, and selects all in a filter', async () => {
    const { api } = await prelabelledWithoutLabels(8);
    const person = (await api.listClasses({})).find((c) => c.name === 'person')!;
    const all = (await api.listImages({})).images;
    const [first, second] = all;
    await api.setLabels({
      changes: [
        { imageId: first!.id, classId: person.id, state: 'positive' },
        { imageId: second!.id, classId: person.id, state: 'negative' },
      ],
    });
    const ids = async (filter: object) => (await api.listImageIds({ filter })).ids;

    expect(await ids({ classId: person.id, state: 'positive' })).toEqual([first!.id]);
    expect(await ids({ classId: person.id, state: 'negative' })).toEqual([second!.id]);
    expect(await ids({ classId: person.id, state: 'unknown' })).toHaveLength(all.length - 2);
    expect(await ids({ unlabelled: true })).toHaveLength(all.length - 2);

    const likely = all.filter((i) => i.predictions.find((p) => p.classId === person.id)!.probability >= 0.5);
    expect(await ids({ classId: person.id, minProbability: 0.5 })).toEqual(likely.map((i) => i.id));
    const page = await api.listImages({ filter: { classId: person.id, minProbability: 0.5 }, limit: 2 });
    expect(page.total).toBe(likely.length);
    const later = await api.listImages({
      filter: { classId: person.id, minProbability: 0 },
      offset: 3,
      limit: 2,
    });
    expect(later.images.map((image) => image.id)).toEqual(all.slice(3, 5).map((image) => image.id));
    // Bounds are exact: a range from one photo's probability to itself holds that photo alone, and
    // the next number above it leaves the photo out.
    const [one] = all;
    const exactly = one!.predictions.find((x) => x.classId === person.id)!.probability;
    const ranged = (min: number, max: number) =>
      ids({ classId: person.id, minProbability: min, maxProbability: max });
    expect(await ranged(exactly, exactly)).toEqual([one!.id]);
    expect(await ranged(exactly + 1e-12, 1)).not.toContain(one!.id);
    expect(await ranged(0, exactly - 1e-12)).not.toContain(one!.id);
    expect(await ranged(0, 1)).toHaveLength(all.length);

    const p = (image: (typeof all)[number]) =>
      image.predictions.find((x) => x.classId === person.id)!.probability;
    const disagreeing = [first!, second!].filter((image, i) => (i === 0 ? p(image) < 0.5 : p(image) >= 0.5));
    expect(await ids({ disagreement: true })).toEqual(disagreeing.map((image) => image.id));

    await expect(api.listImages({ filter: { state: 'positive' } as never })).rejects.toMatchObject({
      code: 'invalid_request',
    });
  });

  it('sorts by how unsure the model is, most unsure first and photos not predicted yet last, page by page', async () => {
    const { api, dir } = await prelabelledWithoutLabels(8);
    // Two photos more, imported after pre-labeling: no prediction yet.
    await copyVocPhotos(join(dir, 'more'), 10);
    await importAndWait(api, join(dir, 'more'));
    const { images } = await api.listImages({ sort: 'uncertainty' });
    expect(images).toHaveLength(10);
    expect(images.slice(8).map((image) => image.predictions)).toEqual([[], []]);
    const uncertainty = images
      .slice(0, 8)
      .map((image) => 1 - Math.min(...image.predictions.map((p) => Math.abs(2 * p.probability - 1))));
    expect(uncertainty).toEqual([...uncertainty].sort((a, b) => b - a));

    // The same order in pages, in the id list, and under a filter that keeps every photo.
    const order = images.map((image) => image.id);
    const pages = [];
    for (let offset = 0; offset < 10; offset += 3) {
      pages.push(
        ...(await api.listImages({ sort: 'uncertainty', offset, limit: 3 })).images.map((i) => i.id),
      );
    }
    expect(pages).toEqual(order);
    expect((await api.listImageIds({ sort: 'uncertainty' })).ids).toEqual(order);
    expect((await api.listImageIds({ sort: 'uncertainty', filter: { unlabelled: true } })).ids).toEqual(
      order,
    );
  });

  it('measures uncertainty over the classes the project reads, those a labels.csv brings included', async () => {
    const { api, dir, projectPath } = await newStudio();
    const folder = join(dir, 'photos');
    const { labelsFile } = await copyVocPhotos(folder, 6);
    await importAndWait(api, folder);
    await api.createClass({ name: 'person' });
    await jobEnd(api, (await api.startPrelabel({ provider: 'cpu' })).id);
    const project = new Database(projectPath, { readonly: true });
    const stored = () =>
      new Map(
        project.prepare('SELECT image_id, uncertainty FROM predictions').raw().all() as [number, number][],
      );
    const measured = async () =>
      new Map(
        (await api.listImages({})).images.map((image) => [
          image.id,
          1 - Math.min(...image.predictions.map((p) => Math.abs(2 * p.probability - 1))),
        ]),
      );
    const before = stored();
    for (const [imageId, u] of await measured()) expect(before.get(imageId)).toBeCloseTo(u, 6);

    // The same folder again with its labels.csv: the VOC classes it names now count too.
    await importAndWait(api, folder, labelsFile);
    expect((await api.listClasses({})).length).toBeGreaterThan(1);
    const after = stored();
    for (const [imageId, u] of await measured()) expect(after.get(imageId)).toBeCloseTo(u, 6);
    expect([...after].some(([imageId, u]) => u !== before.get(imageId))).toBe(true);
    project.close();
  });
});

describe('classes', () => {
  it('are added by name in one go, existing ones kept, and new ones get the pre-labels the model has for them', async () => {
    const { api } = await prelabelledWithoutLabels(2);
    const before = await api.listClasses({});
    const events: string[] = [];
    api.onEvent((event) => events.push(event.type));

    const added = await api.addClasses({ names: ['bird', 'tvmonitor', 'dog', 'bird'] });
    expect(added.map((item) => item.name)).toEqual(['dog', 'bird', 'tvmonitor']);
    expect(added.find((item) => item.name === 'dog')).toEqual(before.find((item) => item.name === 'dog'));
    expect((await api.listClasses({})).map((item) => item.name)).toEqual([
      ...before.map((item) => item.name),
      'bird',
      'tvmonitor',
    ]);
    expect(events).toContain('classes');
    // The photos were predicted before these classes existed: the model's answers reach them now.
    const [photo] = (await api.listImages({})).images;
    const predicted = new Set(photo!.predictions.map((p) => p.classId));
    for (const item of added) expect(predicted.has(item.id)).toBe(true);
    await expect(api.addClasses({ names: [] })).rejects.toMatchObject({ code: 'invalid_request' });
  });

  it('get the next free hotkey, refuse a taken name or key, and give the key back when archived', async () => {
    const { api } = await newStudio();
    const dog = await api.createClass({ name: 'dog' });
    const cat = await api.createClass({ name: 'cat', color: '#123456' });
    expect([dog.hotkey, cat.hotkey, cat.color]).toEqual(['1', '2', '#123456']);
    await expect(api.createClass({ name: 'dog' })).rejects.toThrow(/already exists/);
    await expect(api.updateClass({ classId: cat.id, hotkey: '1' })).rejects.toThrow(/already toggles "dog"/);
    await expect(api.updateClass({ classId: cat.id, hotkey: 'a' })).rejects.toMatchObject({
      code: 'invalid_request',
    });
    await expect(api.createClass({ name: 'a|b' })).rejects.toMatchObject({ code: 'invalid_request' });
    expect(await api.updateClass({ classId: dog.id, name: 'puppy', color: '#ff0000' })).toMatchObject({
      name: 'puppy',
      color: '#ff0000',
    });
    expect(await api.updateClass({ classId: dog.id, archived: true })).toMatchObject({
      archived: true,
      hotkey: null,
    });
    expect((await api.listClasses({})).map((c) => c.name)).toEqual(['cat']);
    expect((await api.listClasses({ includeArchived: true })).map((c) => c.name)).toEqual(['puppy', 'cat']);
    expect((await api.reorderClasses({ classIds: [cat.id] })).map((c) => c.name)).toEqual(['cat']);
  });

  it('are reordered by a list of every active class once, and nothing else', async () => {
    const { api } = await newStudio();
    const [a, b, c] = await api.addClasses({ names: ['a', 'b', 'c'] });
    const archived = await api.createClass({ name: 'archived' });
    await api.updateClass({ classId: archived.id, archived: true });
    const refused: [number[], string][] = [
      [Array(100_000).fill(a!.id), `class ${a!.id} is listed more than once`],
      [[c!.id, b!.id, a!.id, a!.id], `class ${a!.id} is listed more than once`],
      [[c!.id, b!.id], "the order lists 2 of the project's 3 active classes; list every one of them"],
      [[c!.id, b!.id, a!.id, archived.id], `class ${archived.id} is not an active class of the project`],
      [[c!.id, b!.id, a!.id, 999], 'class 999 is not an active class of the project'],
    ];
    for (const [classIds, message] of refused)
      await expect(api.reorderClasses({ classIds })).rejects.toMatchObject({ code: 'bad_input', message });
    expect((await api.listClasses({})).map((item) => item.name)).toEqual(['a', 'b', 'c']);

    await api.reorderClasses({ classIds: [c!.id, a!.id, b!.id] });
    const all = await api.listClasses({ includeArchived: true });
    expect(all.map((item) => item.name)).toEqual(['c', 'a', 'b', 'archived']);
  });

  it('are at most 1,000 to a project, archived ones included, however they are made', async () => {
    const { api } = await newStudio();
    const names = (from: number, count: number) =>
      Array.from({ length: count }, (_, i) => `class ${from + i}`);
    await api.addClasses({ names: names(0, 998) });
    await api.updateClass({ classId: (await api.listClasses({}))[0]!.id, archived: true });
    const full = { code: 'conflict', message: /a project holds at most 1,000 classes/ };
    await expect(api.addClasses({ names: names(990, 11) })).rejects.toMatchObject(full);
    expect(await api.addClasses({ names: names(990, 10) })).toHaveLength(10);
    await expect(api.createClass({ name: 'one more' })).rejects.toMatchObject(full);
    expect(await api.addClasses({ names: ['class 5'] })).toHaveLength(1);
    expect((await api.listClasses({ includeArchived: true })).length).toBe(1_000);
  });

  it('merge: positives of either become positives of the target, and the merged class goes', async () => {
    const context = await newStudio();
    const folder = join(context.dir, 'photos');
    const { labelsFile } = await copyVocPhotos(folder, 6);
    await importAndWait(context.api, folder, labelsFile);
    const { api } = context;
    const classes = await api.listClasses({});
    const chair = classes.find((c) => c.name === 'chair')!;
    const sofa = classes.find((c) => c.name === 'sofa') ?? (await api.createClass({ name: 'sofa' }));
    await api.mergeClasses({ from: chair.id, into: sofa.id });
    expect((await api.listClasses({})).map((c) => c.name)).not.toContain('chair');
    const truth = await vocTruth();
    for (const image of (await api.listImages({})).images) {
      const seated = truth.get(image.name)!.some((c) => c === 'chair' || c === 'sofa');
      const label = image.labels.find((l) => l.classId === sofa.id);
      expect(label?.state).toBe(seated ? 'positive' : 'negative');
    }
    expect(await api.undo({})).toBeNull();
    const photo = (await api.listImages({})).images[0]!.id;
    await expect(
      api.setLabels({ changes: [{ imageId: photo, classId: chair.id, state: 'positive' }] }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
    await expect(
      api.setLabels({ changes: [{ imageId: 999_999, classId: sofa.id, state: 'positive' }] }),
    ).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});

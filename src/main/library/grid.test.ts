// The grid's class filter through the API, on real VOC photos pre-labelled by the real model: a
// class alone selects the photos it is on, and disagreement with a class is about that class.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ImageFilter, ImageSummary } from '$shared/contract';
import { shownState } from '$shared/labels';
import { importAndWait, jobEnd, newStudio } from '../../../test/fixtures/direct-api';
import { copyVocPhotos } from '../../../test/fixtures/workspace';

describe('the grid filtered by a class', () => {
  it('alone, shows the photos the class is on: labelled positive, or pre-labelled at its threshold in use', async () => {
    const { api, dir } = await newStudio();
    await copyVocPhotos(join(dir, 'photos'), 16);
    await importAndWait(api, join(dir, 'photos'));
    await api.addClasses({ names: ['person', 'dog', 'car', 'chair'] });
    await jobEnd(api, (await api.startPrelabel({ provider: 'cpu' })).id);
    const byName = new Map((await api.listClasses({})).map((item) => [item.name, item]));
    const person = byName.get('person')!;
    const dog = byName.get('dog')!;
    const all = (await api.listImages({ limit: 500 })).images;
    const p = (image: ImageSummary, classId: number) =>
      image.predictions.find((prediction) => prediction.classId === classId)!.probability;
    const byPerson = [...all].sort((a, b) => p(a, person.id) - p(b, person.id));
    const [unlikely, , , likely] = [byPerson[0]!, byPerson[1]!, byPerson[2]!, byPerson.at(-1)!];
    expect(p(unlikely, person.id)).toBeLessThan(person.threshold);
    expect(p(likely, person.id)).toBeGreaterThanOrEqual(person.threshold);
    // A person where the model sees none, no person where it sees one, and a dog the model doubts.
    await api.setLabels({
      changes: [
        { imageId: unlikely.id, classId: person.id, state: 'positive' },
        { imageId: likely.id, classId: person.id, state: 'negative' },
        {
          imageId: byPerson[1]!.id,
          classId: dog.id,
          state: p(byPerson[1]!, dog.id) < dog.threshold ? 'positive' : 'negative',
        },
      ],
    });

    const ids = async (filter: ImageFilter) => {
      const { ids: listed } = await api.listImageIds({ filter, sort: 'name' });
      expect((await api.listImages({ filter, limit: 500 })).total).toBe(listed.length);
      return listed;
    };
    /** The photos whose tiles show the class: its label if set, else its pre-label. */
    const shownWith = async (classId: number) => {
      const [images, classes] = await Promise.all([api.listImages({ limit: 500 }), api.listClasses({})]);
      return images.images
        .filter((image) => shownState(image, classes, classId) === 'positive')
        .map((i) => i.id);
    };

    const persons = await shownWith(person.id);
    expect(persons).toContain(unlikely.id);
    expect(persons).not.toContain(likely.id);
    expect(persons.length).toBeGreaterThan(1);
    expect(persons.length).toBeLessThan(all.length);
    expect(await ids({ classId: person.id })).toEqual(persons);

    // The threshold in use decides what is pre-labelled: raised past every photo, the labelled one stays.
    await api.updateClass({ classId: person.id, threshold: 0.999_99 });
    expect(await ids({ classId: person.id })).toEqual(await shownWith(person.id));
    expect(await ids({ classId: person.id })).toEqual([unlikely.id]);
    await api.updateClass({ classId: person.id, threshold: 0.01 });
    expect(await ids({ classId: person.id })).toEqual(await shownWith(person.id));
    expect((await ids({ classId: person.id })).length).toBeGreaterThan(persons.length);

    // With the other conditions: unlabelled photos the model puts a person on; a split.
    const unlabelled = await ids({ unlabelled: true });
    expect(await ids({ classId: person.id, unlabelled: true })).toEqual(
      (await shownWith(person.id)).filter((id) => unlabelled.includes(id)),
    );
    await api.setSplit({ imageIds: [unlikely.id, likely.id], split: 'val' });
    expect(await ids({ classId: person.id, split: 'val' })).toEqual([unlikely.id]);

    // Disagreement with a class is about that class; without one, about any.
    await api.updateClass({ classId: person.id, threshold: 0.5 });
    const anyClass = await ids({ disagreement: true });
    expect(anyClass).toEqual(expect.arrayContaining([unlikely.id, likely.id, byPerson[1]!.id]));
    expect(await ids({ classId: person.id, disagreement: true })).toEqual(
      [unlikely, likely].sort((a, b) => a.path.localeCompare(b.path)).map((image) => image.id),
    );
    expect(await ids({ classId: dog.id, disagreement: true })).toEqual([byPerson[1]!.id]);
    expect(await ids({ classId: person.id, state: 'negative', disagreement: true })).toEqual([likely.id]);
    // A probability range is the class's condition: the label does not matter.
    expect(await ids({ classId: person.id, minProbability: 0 })).toHaveLength(all.length);
  }, 180_000);
});

// FiftyOne's image classification dataset (`fo.types.FiftyOneImageClassificationDataset`): photos
// under `data/` and a `labels.json` of `{"classes": [...], "labels": {"<uuid>": target}}`, the uuid
// a photo's path under `data/` without its extension. A target here is the multi-label form, a list
// of `{"label": <index into classes>, "confidence"}`: the photo's positive classes, each with the
// model's probability where the export carries scores. `null` is FiftyOne's "unlabelled", kept for
// a photo with no label at all; a photo labelled with no positive gets `[]`.
import { ApiError } from '$shared/rpc';
import type { ExchangeFile, ExchangeFormat } from './records';

export const fiftyoneFormat: ExchangeFormat = {
  id: 'fiftyone',
  title: 'FiftyOne image classification (labels.json)',
  layout: 'folder',
  extensions: [],
  write: (data) => new Map([['labels.json', formatFiftyone(data)]]),
  photoPath: (record) => `data/${record.name}`,
  // A class not listed is negative, so a partly labelled photo's unknowns go out as negatives; only
  // the positives' scores have a place; no split, no source.
  loses: ['unknown', 'sources', 'scores', 'splits'],
};

const uuidOf = (name: string): string => name.replace(/\.[^./]*$/, '');

export function formatFiftyone(data: ExchangeFile): string {
  const index = new Map(data.classes.map((name, position) => [name, position]));
  // Built from entries, so that a photo named `__proto__.jpg` is a key like any other.
  const labels: [string, { label: number; confidence?: number }[] | null][] = [];
  const named = new Map<string, string>();
  for (const record of data.records) {
    const uuid = uuidOf(record.name);
    const other = named.get(uuid);
    // FiftyOne finds a photo by its path without extension: two photos sharing one are one to it.
    if (other !== undefined)
      throw new ApiError('bad_input', `fiftyone: ${other} and ${record.name} would both be data/${uuid}.*`);
    named.set(uuid, record.name);
    const labelled = [...record.classes.values()].some((entry) => entry.state);
    labels.push([
      uuid,
      labelled
        ? data.classes
            .filter((name) => record.classes.get(name)?.state === 'positive')
            .map((name) => {
              const score = record.classes.get(name)!.score;
              return score === undefined
                ? { label: index.get(name)! }
                : { label: index.get(name)!, confidence: score };
            })
        : null,
    ]);
  }
  return JSON.stringify({ classes: data.classes, labels: Object.fromEntries(labels) }) + '\n';
}

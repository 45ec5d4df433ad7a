// Hugging Face `imagefolder`, for training code: one folder per split (the names `load_dataset`
// maps to its train, validation and test splits), each with its photos and a `metadata.jsonl` of
// `{"file_name", "labels"}` rows, `labels` the photo's positive classes by name. The loader infers a
// list of strings (`List(Value("string"))`, `Sequence` before datasets 4) from those rows, so
// the card declares that feature, not a `class_label` it might contradict, and lists the names in
// the project's order with the cast that turns them into class ids. Loaded by `datasets` 5.0.1 in
// the spec that runs where CSRA_DATASETS_PYTHON names a Python with it.
import type { Split } from '$shared/contract';
import type { ExchangeFile, ExchangeFormat, ExchangeRecord } from './records';

/** The folder of each split; a photo of no split goes where the loader puts unsplit data, train. */
const splitFolders: Record<Split, string> = {
  train: 'train',
  val: 'validation',
  test: 'test',
  none: 'train',
};

const splitFolder = (record: ExchangeRecord): string => splitFolders[record.split ?? 'none'];

export const imagefolderFormat: ExchangeFormat = {
  id: 'imagefolder',
  title: 'Hugging Face imagefolder (metadata.jsonl per split)',
  layout: 'folder',
  extensions: [],
  write: formatImagefolder,
  // `file_name` is relative to the metadata file, so a photo goes beside it under the same path.
  photoPath: (record) => `${splitFolder(record)}/${record.name}`,
  // A class not listed is negative to the loader: unknown goes out as negative. No split goes to train.
  loses: ['unknown', 'sources', 'scores', 'unsplit'],
};

/** `README.md` and `<split>/metadata.jsonl` for each split with photos, in train, validation, test order. */
export function formatImagefolder(data: ExchangeFile): Map<string, string> {
  const rows = new Map<string, string[]>([
    ['train', []],
    ['validation', []],
    ['test', []],
  ]);
  for (const record of data.records) {
    const labels = data.classes.filter((name) => record.classes.get(name)?.state === 'positive');
    rows.get(splitFolder(record))!.push(JSON.stringify({ file_name: record.name, labels }));
  }
  const files = new Map([['README.md', datasetCard(data.classes)]]);
  for (const [folder, lines] of rows) {
    if (lines.length > 0) files.set(`${folder}/metadata.jsonl`, lines.join('\n') + '\n');
  }
  return files;
}

/** The card: the features the loader infers, then the label names in order and the cast to class ids. */
function datasetCard(classes: readonly string[]): string {
  return [
    '---',
    'task_categories:',
    '- image-classification',
    'dataset_info:',
    '  features:',
    '  - name: image',
    '    dtype: image',
    '  - name: labels',
    '    sequence: string',
    '---',
    '',
    '# Labels exported by CSRA Studio',
    '',
    "Multi-label image classification: each photo's `labels` are the names of its positive classes;",
    'a class not listed is negative for it. The label names, in order:',
    '',
    ...classes.map((name, index) => `${index}. ${name.replace(/[\\`*_[\]<>|#]/g, '\\$&')}`),
    '',
    'To load them as class ids:',
    '',
    '```python',
    'from datasets import ClassLabel, Sequence, load_dataset',
    '',
    `names = ${JSON.stringify(classes)}`,
    'dataset = load_dataset("imagefolder", data_dir="path/to/this/folder")',
    'dataset = dataset.cast_column("labels", Sequence(ClassLabel(names=names)))',
    '```',
    '',
  ].join('\n');
}

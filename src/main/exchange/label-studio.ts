// Label Studio's JSON export of an image classification project, in and out. A task names its photo
// by URL in `data.image`; its annotations hold `choices` results (several names per result where the
// config says choice="multiple"), its predictions the same with a score per result item. Label
// Studio has no "negative": a class nobody chose is absent, and the export does not carry the
// labeling config, so the reader cannot tell "not chosen" from "not looked at" and leaves every
// unchosen class unknown. Negatives written out therefore come back unknown (declared below).
import { Split } from '$shared/contract';
import { ApiError } from '$shared/rpc';
import { labelFileReader } from './label-file';
import {
  checkClassCount,
  type ClassEntry,
  type ExchangeFile,
  type ExchangeFormat,
  type ExchangeProblem,
  type ExchangeRecord,
} from './records';
import { checkedClassName } from './labels-csv';
import { escapeXml } from './xml';

/** The labeling config the written tasks need, written beside the tasks file under this name. */
export const labelConfigFile = 'label-config.xml';

/** The names the written config gives its tags, which every written result refers to. */
const fromName = 'label';
const toName = 'image';

/** A class whose probability reaches this is chosen in a written prediction. */
const predictedAt = 0.5;

export const labelStudioFormat: ExchangeFormat = {
  id: 'label-studio',
  title: 'Label Studio JSON (image classification, choices)',
  layout: 'file',
  extensions: ['json'],
  detect: (_path, text) =>
    /^\uFEFF?\s*[[{]/.test(text) && /"(from_name|was_cancelled|completions)"\s*:/.test(text),
  read: labelFileReader(parseLabelStudio),
  // The second entry is the config to paste into the project's Labeling Interface before importing.
  write: (data) =>
    new Map([
      ['', formatLabelStudio(data)],
      [labelConfigFile, formatLabelConfig(data.classes)],
    ]),
  // Negatives come back unknown; who labelled is not said; a prediction keeps one score for the
  // classes it chooses (the least of theirs) and none for the rest.
  loses: ['negatives', 'sources', 'scores'],
};

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function parseLabelStudio(text: string, source = 'tasks.json'): ExchangeFile {
  const fail = (path: string, why: string): never => {
    throw new ApiError('bad_input', `label-studio ${source}: ${path}: ${why}`);
  };
  let root: unknown;
  try {
    root = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (error) {
    fail('$', `not JSON (${(error as Error).message})`);
  }
  // An export is a list of tasks; one task alone (a legacy 0.x completions file) reads as a list of one.
  const tasks: [unknown, string][] = Array.isArray(root)
    ? root.map((task, index) => [task, `$[${index}]`])
    : [[root, '$']];
  const classes = new Set<string>();
  const records: ExchangeRecord[] = [];
  const skipped: ExchangeProblem[] = [];
  const listAt = (value: unknown, path: string): unknown[] =>
    value === undefined ? [] : Array.isArray(value) ? value : fail(path, 'expected a list');
  const objectAt = (value: unknown, path: string, what: string): Json =>
    isObject(value) ? value : fail(path, `${what} must be an object`);

  /** The class names a `choices` result chooses; any other result is passed over, and said. */
  const choicesOf = (item: unknown, path: string): string[] => {
    const result = objectAt(item, path, 'a result');
    if (result.type !== 'choices') {
      skipped.push({ at: path, reason: `a ${String(result.type)} result is not an image label` });
      return [];
    }
    const chosen = isObject(result.value) ? result.value.choices : undefined;
    if (!Array.isArray(chosen) || chosen.some((name) => typeof name !== 'string')) {
      return fail(`${path}.value.choices`, 'expected a list of class names');
    }
    // The contract's rule for a class name, the one the API would refuse a new class by.
    const names = chosen.map((name: string, index) =>
      classes.has(name)
        ? name
        : checkedClassName(name, 0, (_line, why) => fail(`${path}.value.choices[${index}]`, why)),
    );
    for (const name of names) {
      if (classes.has(name)) continue;
      classes.add(name);
      checkClassCount(classes.size, name, (why) => fail(path, why));
    }
    return names;
  };

  for (const [value, at] of tasks) {
    const task = objectAt(value, at, 'a task');
    const data = objectAt(task.data, `${at}.data`, 'the task data holding the photo URL');
    const url = photoUrl(data);
    if (url === undefined) {
      skipped.push({ at: `${at}.data`, reason: 'no photo URL' });
      continue;
    }
    const entries = new Map<string, ClassEntry>();
    // 0.x exports called annotations completions.
    const key = task.annotations === undefined && 'completions' in task ? 'completions' : 'annotations';
    const annotations = listAt(task[key], `${at}.${key}`).map((annotation, index) =>
      objectAt(annotation, `${at}.${key}[${index}]`, 'an annotation'),
    );
    const annotation = chosenAnnotation(annotations, `${at}.${key}`, skipped);
    if (annotation) {
      listAt(annotation.result, `${annotation.at}.result`).forEach((item, index) => {
        for (const name of choicesOf(item, `${annotation.at}.result[${index}]`))
          entries.set(name, { state: 'positive' });
      });
    }
    const predictions = listAt(task.predictions, `${at}.predictions`);
    // Several model versions may have predicted a task: the last listed is the newest.
    predictions
      .slice(0, -1)
      .forEach((_, index) =>
        skipped.push({ at: `${at}.predictions[${index}]`, reason: 'a later prediction of the task is read' }),
      );
    if (predictions.length > 0) {
      const index = predictions.length - 1;
      const path = `${at}.predictions[${index}]`;
      const prediction = objectAt(predictions[index], path, 'a prediction');
      listAt(prediction.result, `${path}.result`).forEach((item, itemIndex) => {
        const itemPath = `${path}.result[${itemIndex}]`;
        const names = choicesOf(item, itemPath);
        // Label Studio scores a result item, or else the whole prediction; never one choice.
        const score = (item as Json).score ?? prediction.score;
        if (names.length > 0 && !(typeof score === 'number' && score >= 0 && score <= 1)) {
          skipped.push({
            at: itemPath,
            reason: `score ${JSON.stringify(score)} is not a probability in [0, 1]`,
          });
          return;
        }
        for (const name of names) entries.set(name, { ...entries.get(name), score: score as number });
      });
    }
    if (!annotation && predictions.length === 0) {
      skipped.push({ at, reason: 'no annotation or prediction' });
      continue;
    }
    const record: ExchangeRecord = { name: photoName(url), classes: entries, at };
    const { split } = data;
    if (split !== undefined) {
      const checked = Split.safeParse(split);
      if (checked.success) record.split = checked.data;
      else
        skipped.push({
          at: `${at}.data.split`,
          reason: `${JSON.stringify(split)} is not train, val, test or none`,
        });
    }
    records.push(record);
  }
  return { format: labelStudioFormat.id, classes: [...classes], records, skipped };
}

/**
 * The annotation a task's labels come from: its ground truth if one is marked, else the last
 * submitted. Cancelled (skipped) annotations and the others passed over are reported.
 */
function chosenAnnotation(
  annotations: Json[],
  path: string,
  skipped: ExchangeProblem[],
): (Json & { at: string }) | undefined {
  const kept: (Json & { at: string })[] = [];
  annotations.forEach((annotation, index) => {
    const at = `${path}[${index}]`;
    if (annotation.was_cancelled === true) skipped.push({ at, reason: 'cancelled (was_cancelled)' });
    else kept.push({ ...annotation, at });
  });
  const chosen = kept.find((annotation) => annotation.ground_truth === true) ?? kept.at(-1);
  for (const other of kept) {
    if (other !== chosen)
      skipped.push({ at: other.at, reason: `another annotation of the task is read: ${chosen!.at}` });
  }
  return chosen;
}

/**
 * `data.image`, or else the first text of the task data but the split (which the writer puts
 * there): where a config names its image field otherwise (`$photo`), the URL is that field's.
 */
function photoUrl(data: Json): string | undefined {
  const url =
    data.image ??
    Object.entries(data).find(([key, value]) => key !== 'split' && typeof value === 'string')?.[1];
  return typeof url === 'string' && url !== '' ? url : undefined;
}

/**
 * The photo a task URL names. Local storage (`/data/local-files/?d=folder/000005.jpg`) gives a
 * path, kept whole for the matcher; any other URL (`s3://bucket/…/000005.jpg`, `https://…`) its
 * last path segment. Label Studio stores an uploaded file as `<8 hex digits>-<original name>`
 * under `/data/upload/<project>/`; that prefix is dropped there and only there, so a name that
 * merely looks like one elsewhere is kept.
 */
function photoName(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://label-studio.invalid/');
  } catch {
    return url.slice(url.lastIndexOf('/') + 1);
  }
  const local = parsed.searchParams.get('d');
  if (local) return local;
  const segment = decodeURIComponent(parsed.pathname.slice(parsed.pathname.lastIndexOf('/') + 1));
  return parsed.pathname.includes('/data/upload/') ? segment.replace(/^[0-9a-f]{8}-(?=.)/, '') : segment;
}

/** Where Label Studio's local file storage serves a photo from, relative to its document root. */
const localFileUrl = (name: string): string =>
  `/data/local-files/?d=${encodeURIComponent(name).replaceAll('%2F', '/')}`;

const choicesResult = (names: string[]) => ({
  from_name: fromName,
  to_name: toName,
  type: 'choices',
  value: { choices: names },
});

/**
 * Tasks Label Studio imports with their labels: the photo as a local-storage URL (the project needs
 * local storage rooted at the exported folder), the split as task data, positives as a submitted
 * annotation and, where the record has scores, a prediction laid out as Label Studio's ML backends
 * write one: the classes reaching 0.5 chosen, scored by the least of their probabilities (0 when
 * none is chosen, as the backends do).
 */
export function formatLabelStudio(data: ExchangeFile): string {
  const tasks = data.records.map((record) => {
    const entry = (name: string) => record.classes.get(name);
    const positives = data.classes.filter((name) => entry(name)?.state === 'positive');
    const scored = data.classes.filter((name) => entry(name)?.score !== undefined);
    const split = record.split && record.split !== 'none' ? { split: record.split } : {};
    const task: Json = { data: { image: localFileUrl(record.name), ...split } };
    if ([...record.classes.values()].some((value) => value.state)) {
      task.annotations = [
        {
          result: positives.length > 0 ? [choicesResult(positives)] : [],
          was_cancelled: false,
          ground_truth: false,
        },
      ];
    }
    if (scored.length > 0) {
      const chosen = scored.filter((name) => entry(name)!.score! >= predictedAt);
      const score = chosen.length > 0 ? Math.min(...chosen.map((name) => entry(name)!.score!)) : 0;
      task.predictions = [
        {
          model_version: data.modelVersion ?? 'csra-studio',
          score,
          result: chosen.length > 0 ? [{ ...choicesResult(chosen), score }] : [],
        },
      ];
    }
    return task;
  });
  // A task a line: readable and diffable, and a third the size of indented JSON at 100,000 tasks.
  return `[\n${tasks.map((task) => JSON.stringify(task)).join(',\n')}\n]\n`;
}

/** The labeling config for the written tasks: one photo, every class a choice, several allowed. */
export function formatLabelConfig(classes: readonly string[]): string {
  const choices = classes.map((name) => `    <Choice value="${escapeXml(name)}"/>`);
  return [
    '<View>',
    `  <Image name="${toName}" value="$image"/>`,
    `  <Choices name="${fromName}" toName="${toName}" choice="multiple" showInline="true">`,
    ...choices,
    '  </Choices>',
    '</View>',
    '',
  ].join('\n');
}

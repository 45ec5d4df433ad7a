// What every exchange format reads into and writes from: photos named as the file names them, each
// with a state per class. Readers and writers of the formats meet here, not in the database; the
// exchange layer matches records to the project's photos and turns them into label writes.
import {
  maxClasses,
  type LabelSource,
  type LabelState,
  type Split,
  type VocDifficult,
} from '$shared/contract';

/** What a format says of one class on one photo: a label, or only a model's score. */
export interface ClassEntry {
  /** Absent: the file says nothing but a score (a suggestion), the class stays unknown. */
  state?: LabelState;
  /** Who gave the label, where the format says (a lossless file, CVAT's source="auto"). */
  source?: LabelSource;
  /** A model's probability in [0, 1], where the format carries one. */
  score?: number;
}

/** One photo of a label file. */
export interface ExchangeRecord {
  /**
   * The photo as the file names it: a path relative to the imported folder where the format has
   * one, else a file name or a stem (`000005`); the matcher tries all three.
   */
  name: string;
  /**
   * Another name the photo may have had before the tool renamed it (Roboflow's `a_jpg.rf.<hash>.jpg`
   * for `a.jpg`): tried only where `name` matches no photo.
   */
  fallbackName?: string;
  /** Each class the file mentions for the photo; a class absent here is unknown for it. */
  classes: Map<string, ClassEntry>;
  split?: Split;
  sha256?: string;
  /** The photo's pixel size, for formats whose layout states it (CVAT's `<image width height>`). */
  width?: number;
  height?: number;
  /** Where in the file the record came from, for reports: `line 12`, `$[3]`, `image id 7`. */
  at: string;
}

/** Something a reader passed over, said with where and why; never dropped silently. */
export interface ExchangeProblem {
  at: string;
  reason: string;
}

/** A whole label file, read. */
export interface ExchangeFile {
  format: string;
  /** Every class the file declares, in its order, those with only negative labels included. */
  classes: string[];
  records: ExchangeRecord[];
  /** Rows, tasks or values skipped, each with its reason (cancelled tasks, unreadable values). */
  skipped: ExchangeProblem[];
  /** The model version the scores come from, for formats that name it (Label Studio's model_version). */
  modelVersion?: string;
}

/**
 * The most cells (photos × classes) a label file may fill. Each costs about 60 bytes once read, so
 * past this a file would take gigabytes before the project's class limit or the write could refuse
 * it: 10,000 photos of 1,000 classes, or 100,000 of 100.
 */
export const maxLabelCells = 10_000_000;

/**
 * Refuses, while a file is read, a class past the project's limit: `count` classes named so far,
 * the last one `name`. `fail` places the refusal in the file.
 */
export function checkClassCount(count: number, name: string, fail: (why: string) => never): void {
  if (count > maxClasses)
    fail(
      `class "${name}" makes ${count.toLocaleString('en')} classes in the file; ` +
        `a project holds at most ${maxClasses.toLocaleString('en')}`,
    );
}

/** Refuses a file whose photos × classes would pass `maxLabelCells`, before they are built. */
export function checkLabelCells(photos: number, classes: number, fail: (why: string) => never): void {
  if (photos * classes > maxLabelCells)
    fail(
      `${photos.toLocaleString('en')} photos × ${classes.toLocaleString('en')} classes make ` +
        `${(photos * classes).toLocaleString('en')} labels; a label file may hold at most ` +
        `${maxLabelCells.toLocaleString('en')}`,
    );
}

/** How a person asks a file to be read; each format takes the choices that concern it. */
export interface ReadOptions {
  /** VOC: a class with only difficult objects. */
  difficult: VocDifficult;
}

/** What a format cannot carry: written out as the nearest thing it can say, and said before. */
export type Loss =
  | 'unknown'
  | 'negatives'
  | 'sources'
  | 'scores'
  | 'splits'
  /** Splits kept, but no place for a photo without one. */
  | 'unsplit';

/**
 * A label format, as the registry (formats.ts) lists it for the CLI, the UI and the tests. A
 * single-file format reads a file and writes one file (`''` in the written map); a folder format
 * (VOC, imagefolder) reads a folder and writes several, keyed by their path relative to the output
 * folder.
 */
export interface ExchangeFormat {
  /** The name on the command line and in the contract: `jsonl`, `labels-csv`, `voc`, `coco`… */
  id: string;
  title: string;
  layout: 'file' | 'folder';
  /** What a file of this format's name ends with (no dot), for file pickers; none for a folder format. */
  extensions: readonly string[];
  /** Whether the content at `path` (a file's whole text in `text`, '' for a folder) is of this format. */
  detect?: (path: string, text: string) => boolean;
  read?: (path: string, options: ReadOptions) => Promise<ExchangeFile>;
  write?: (data: ExchangeFile) => Map<string, string>;
  /**
   * For a layout that holds the photos beside its labels (imagefolder, FiftyOne): where the export
   * copies each record's photo, relative to the output folder. The writer writes only the labels.
   */
  photoPath?: (record: ExchangeRecord) => string;
  /** What the written file cannot say; empty for a lossless format. */
  loses: readonly Loss[];
}

// A read label file as the label worker sends it back: the class states of every record in one byte
// array and the scores in one float array, both moved rather than copied. Sent as Maps, a file of 5
// million labels took 6.8 s to arrive, on the thread the worker is there to keep free.
import { LabelSource, LabelState } from '$shared/contract';
import type { ClassEntry, ExchangeFile, ExchangeRecord } from './records';

export interface PackedFile extends Omit<ExchangeFile, 'records'> {
  records: Omit<ExchangeRecord, 'classes'>[];
  /** Record by record, class by class (the file's order): 0 where the record says nothing, else `cellCode`. */
  cells: Uint8Array;
  /** As `cells`, the score of each cell; NaN where none. Null when the file has no score at all. */
  scores: Float64Array | null;
}

const states = [undefined, ...LabelState.options] as const;
const sources = [undefined, ...LabelSource.options] as const;

/** 1 + state × 4 + source, the state and source as their place in `states` and `sources`. */
const cellCode = (entry: ClassEntry): number =>
  1 + states.indexOf(entry.state) * 4 + sources.indexOf(entry.source);

export function packFile(file: ExchangeFile): { packed: PackedFile; transfer: ArrayBuffer[] } {
  const { records, ...rest } = file;
  const width = file.classes.length;
  const column = new Map(file.classes.map((name, index) => [name, index]));
  const cells = new Uint8Array(records.length * width);
  const scored = records.some((record) =>
    [...record.classes.values()].some((entry) => entry.score !== undefined),
  );
  const scores = scored ? new Float64Array(records.length * width).fill(NaN) : null;
  const packedRecords = records.map(({ classes, ...record }, row) => {
    for (const [name, entry] of classes) {
      const index = column.get(name);
      if (index === undefined)
        throw new Error(`${record.at}: class "${name}" is not among the file's classes`);
      cells[row * width + index] = cellCode(entry);
      if (scores && entry.score !== undefined) scores[row * width + index] = entry.score;
    }
    return record;
  });
  const transfer = [cells.buffer, ...(scores ? [scores.buffer] : [])] as ArrayBuffer[];
  return { packed: { ...rest, records: packedRecords, cells, scores }, transfer };
}

/** The entry of each code without a score, one frozen object shared by every cell of that code. */
const unscored = Array.from({ length: states.length * 4 }, (_, index) => {
  const state = states[index >> 2];
  const source = sources[index & 3];
  return Object.freeze<ClassEntry>({ ...(state && { state }), ...(source && { source }) });
});

/** The file as read, on the receiving thread: its cost there is one Map entry per cell. */
export function unpackFile({ records, cells, scores, ...rest }: PackedFile): ExchangeFile {
  const width = rest.classes.length;
  return {
    ...rest,
    records: records.map((record, row) => {
      const classes = new Map<string, ClassEntry>();
      for (let index = 0; index < width; index += 1) {
        const code = cells[row * width + index]!;
        if (code === 0) continue;
        const entry = unscored[code - 1]!;
        const score = scores?.[row * width + index];
        classes.set(
          rest.classes[index]!,
          score === undefined || Number.isNaN(score) ? entry : { ...entry, score },
        );
      }
      return { ...record, classes };
    }),
  };
}

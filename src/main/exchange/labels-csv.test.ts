import { describe, expect, it } from 'vitest';
import { vocLabels } from '../../../test/fixtures/paths';
import { labelsCsvFormat, parseLabelsCsv, readLabelsCsv } from './labels-csv';
import type { ClassEntry, ExchangeFile } from './records';

/** Each record as name → class → state, for comparing what a file says. */
const states = (file: ExchangeFile) =>
  Object.fromEntries(
    file.records.map((record) => [
      record.name,
      Object.fromEntries([...record.classes].map(([name, entry]) => [name, entry.state])),
    ]),
  );

const write = (data: Omit<ExchangeFile, 'format' | 'skipped'>) =>
  labelsCsvFormat.write!({ format: 'labels-csv', skipped: [], ...data }).get('')!;

const record = (name: string, classes: Record<string, ClassEntry['state']>) => ({
  name,
  at: name,
  classes: new Map(Object.entries(classes).map(([key, state]) => [key, state ? { state } : {}])),
});

describe('labels.csv', () => {
  it('reads the VOC labels: 765 photos, 20 classes, every photo labelled for every class', async () => {
    const file = await readLabelsCsv(vocLabels);
    expect(file.records).toHaveLength(765);
    expect(file.classes).toHaveLength(20);
    expect(file.records.every((r) => r.classes.size === 20)).toBe(true);
    expect(states(file)['000009.jpg']).toMatchObject({
      horse: 'positive',
      person: 'positive',
      dog: 'negative',
    });
  });

  it('without a negatives column, a listed photo is labelled completely (today’s meaning)', () => {
    const file = parseLabelsCsv('filename,classes\na.jpg,dog\nb.jpg,\n');
    expect(states(file)).toEqual({ 'a.jpg': { dog: 'positive' }, 'b.jpg': { dog: 'negative' } });
  });

  it('with a negatives column, the classes a row does not name stay unknown, and only-negative classes survive', () => {
    const file = parseLabelsCsv('filename,classes,negatives\na.jpg,dog,cat\nb.jpg,,bird\n');
    expect(file.classes).toEqual(['dog', 'cat', 'bird']);
    expect(states(file)).toEqual({
      'a.jpg': { dog: 'positive', cat: 'negative' },
      'b.jpg': { bird: 'negative' },
    });
  });

  it('reads RFC 4180 fields: quoted commas, doubled quotes and line breaks, with line numbers after them', () => {
    const text = 'filename,classes\n"a, ""b"".jpg",dog\n"two\nlines.jpg",cat\nc.jpg,dog,extra\n';
    expect(() => parseLabelsCsv(text, 'x.csv')).toThrow('labels.csv x.csv line 5: expected 2 columns');
    const file = parseLabelsCsv(text.replace(',extra', ''));
    expect(file.records.map((r) => [r.name, r.at])).toEqual([
      ['a, "b".jpg', 'line 2'],
      ['two\nlines.jpg', 'line 3'],
      ['c.jpg', 'line 5'],
    ]);
  });

  it('keeps a quoted name byte for byte and trims only unquoted padding', () => {
    const file = parseLabelsCsv('filename,classes\n" lead.jpg",dog\n  plain.jpg , cat | dog\n');
    expect(states(file)).toEqual({
      ' lead.jpg': { dog: 'positive', cat: 'negative' },
      'plain.jpg': { dog: 'positive', cat: 'positive' },
    });
  });

  it('writes names a spreadsheet would run as formulas escaped, spaces at the ends quoted, and reads both back', () => {
    const names = ['=cmd.jpg', '+1.jpg', '-x.jpg', '@sum.jpg', ' lead.jpg', 'trail.jpg ', 'a,b.jpg'];
    const text = write({ classes: ['dog'], records: names.map((name) => record(name, { dog: 'positive' })) });
    expect(text.split('\n').slice(1, 5)).toEqual([
      "'=cmd.jpg,dog",
      "'+1.jpg,dog",
      "'-x.jpg,dog",
      "'@sum.jpg,dog",
    ]);
    expect(text).toContain('" lead.jpg",dog\n"trail.jpg ",dog\n"a,b.jpg",dog\n');
    expect(parseLabelsCsv(text).records.map((r) => r.name)).toEqual(names);
  });

  it('writes the negatives column only when a photo has a class left unknown', () => {
    const complete = write({
      classes: ['dog', 'cat'],
      records: [record('a.jpg', { dog: 'positive', cat: 'negative' })],
    });
    expect(complete).toBe('filename,classes\na.jpg,dog\n');
    const partial = {
      classes: ['dog', 'cat', 'bird'],
      records: [record('a.jpg', { dog: 'positive', cat: 'negative' })],
    };
    expect(write(partial)).toBe('filename,classes,negatives\na.jpg,dog,cat\n');
    expect(states(parseLabelsCsv(write(partial)))).toEqual({ 'a.jpg': { dog: 'positive', cat: 'negative' } });
  });

  it('holds class names to the contract: trimmed, at most 100 characters', () => {
    expect(parseLabelsCsv('filename,classes\na.jpg," dog "\n').classes).toEqual(['dog']);
    expect(() => parseLabelsCsv(`filename,classes\na.jpg,${'x'.repeat(5000)}\n`)).toThrow(
      'line 2: class name of 5,000 characters; at most 100',
    );
  });

  it('refuses malformed files with the line and the reason', () => {
    const cases: [string, string][] = [
      ['filename;classes\na.jpg;dog\n', 'line 1: expected the header "filename,classes"'],
      ['filename,classes\n"a.jpg,dog\nb.jpg,cat\n', 'line 2: unterminated quoted field'],
      ['filename,classes\n"a.jpg"x,dog\n', 'line 2: text after a closing quote'],
      ['filename,classes\na.jpg,dog\na.jpg,cat\n', 'line 3: a.jpg is listed again (first on line 2)'],
      ['filename,classes,negatives\na.jpg,dog,dog\n', 'line 2: class "dog" is both positive and negative'],
      ['filename,classes\na.jpg,dog||cat\n', 'line 2: class name "": a class needs a name'],
      ['filename,classes\n', 'line 1: no rows after the header'],
    ];
    for (const [text, message] of cases) expect(() => parseLabelsCsv(text), text).toThrow(message);
  });
});

import { describe, expect, it } from 'vitest';
import { vocRoot } from '../../../test/fixtures/paths';
import { cvatFormat, parseCvat, writeCvat } from './cvat';
import type { ClassEntry, ExchangeFile } from './records';
import { readVoc } from './voc';

/**
 * No CVAT file is among the samples: this one is written by hand after CVAT's documented layout
 * (docs.cvat.ai, "XML annotation format", version 1.1) as a 2.x job export has it: the labels in
 * <meta><job>, with their type, and one <image> with its size per photo.
 */
const handWritten = `<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <job>
      <id>12</id>
      <size>4</size>
      <mode>annotation</mode>
      <overlap>0</overlap>
      <bugtracker></bugtracker>
      <created>2024-03-01 10:00:00.000000+00:00</created>
      <updated>2024-03-01 10:30:00.000000+00:00</updated>
      <subset>default</subset>
      <start_frame>0</start_frame>
      <stop_frame>3</stop_frame>
      <frame_filter></frame_filter>
      <segments>
        <segment>
          <id>12</id>
          <start>0</start>
          <stop>3</stop>
          <url>https://app.cvat.ai/api/jobs/12</url>
        </segment>
      </segments>
      <owner>
        <username>ann</username>
        <email>ann@example.com</email>
      </owner>
      <assignee></assignee>
      <labels>
        <label>
          <name>cat</name>
          <color>#fa3253</color>
          <type>tag</type>
          <attributes>
          </attributes>
        </label>
        <label>
          <name>dog</name>
          <color>#3d3df5</color>
          <type>any</type>
          <attributes>
          </attributes>
        </label>
        <label>
          <name>car</name>
          <color>#34d1b7</color>
          <type>rectangle</type>
          <attributes>
          </attributes>
        </label>
      </labels>
    </job>
    <dumped>2024-03-01 10:31:00.000000+00:00</dumped>
  </meta>
  <image id="0" name="000005.jpg" width="500" height="375">
    <tag label="cat" source="manual">
    </tag>
  </image>
  <image id="1" name="000007.jpg" width="500" height="333">
    <tag label="dog" source="auto">
    </tag>
    <box label="car" source="manual" occluded="0" xtl="141.00" ytl="50.00" xbr="500.00" ybr="330.00" z_order="0">
    </box>
  </image>
  <image id="2" name="sub/000009.jpg" width="500" height="374">
  </image>
  <image id="3" name="Tom &amp; Jerry.jpg" subset="Train" width="640" height="480">
    <tag label="cat" source="manual">
    </tag>
    <tag label="dog" source="semi-auto">
    </tag>
  </image>
</annotations>
`;

const positive: ClassEntry = { state: 'positive' };
const negative: ClassEntry = { state: 'negative' };

describe('CVAT for images 1.1 XML', () => {
  it('reads tags per image; a declared tag label with no tag is negative, a shape label is not a class', () => {
    const file = parseCvat(handWritten, 'annotations.xml');
    expect(file.format).toBe('cvat');
    expect(file.classes).toEqual(['cat', 'dog']);
    expect(file.records).toEqual([
      {
        name: '000005.jpg',
        width: 500,
        height: 375,
        at: 'line 56',
        classes: new Map([
          ['cat', positive],
          ['dog', negative],
        ]),
      },
      // A model's tag nobody confirmed: a suggestion, the class unknown, with no score (CVAT has none).
      {
        name: '000007.jpg',
        width: 500,
        height: 333,
        at: 'line 60',
        classes: new Map([
          ['dog', {}],
          ['cat', negative],
        ]),
      },
      {
        name: 'sub/000009.jpg',
        width: 500,
        height: 374,
        at: 'line 66',
        classes: new Map([
          ['cat', negative],
          ['dog', negative],
        ]),
      },
      {
        name: 'Tom & Jerry.jpg',
        split: 'train',
        width: 640,
        height: 480,
        at: 'line 68',
        classes: new Map([
          ['cat', positive],
          ['dog', positive],
        ]),
      },
    ]);
    expect(file.skipped).toEqual([
      { at: 'line 63', reason: '<box label="car"> is not an image tag; not read' },
    ]);
    expect(cvatFormat.detect!('annotations.xml', handWritten)).toBe(true);
  });

  it('writes the layout it reads: labels as tag labels in <meta>, a manual tag per positive, the split as subset', () => {
    const written = writeCvat({
      format: 'cvat',
      classes: ['cat', 'dog'],
      skipped: [],
      records: [
        {
          name: 'a "b" & <c>.jpg',
          split: 'val',
          width: 4,
          height: 3,
          at: '',
          classes: new Map([['cat', positive]]),
        },
        { name: '000007.jpg', at: '', classes: new Map([['dog', negative]]) },
      ],
    });
    expect([...written.keys()]).toEqual(['']);
    expect(written.get('')).toBe(`<?xml version="1.0" encoding="utf-8"?>
<annotations>
  <version>1.1</version>
  <meta>
    <task>
      <size>2</size>
      <mode>annotation</mode>
      <labels>
        <label>
          <name>cat</name>
          <type>tag</type>
          <attributes>
          </attributes>
        </label>
        <label>
          <name>dog</name>
          <type>tag</type>
          <attributes>
          </attributes>
        </label>
      </labels>
    </task>
  </meta>
  <image id="0" name="a &quot;b&quot; &amp; &lt;c&gt;.jpg" subset="val" width="4" height="3">
    <tag label="cat" source="manual">
    </tag>
  </image>
  <image id="1" name="000007.jpg">
  </image>
</annotations>
`);
    expect(parseCvat(written.get('')!, 'out.xml').records[0]).toMatchObject({
      name: 'a "b" & <c>.jpg',
      split: 'val',
    });
  });

  it("the 765 VOC photos' labels go out and come back: positives and negatives exact, unknowns negative as declared", async () => {
    const voc = await readVoc(vocRoot);
    const splits = ['train', 'val', 'test', undefined] as const;
    const data: ExchangeFile = {
      ...voc,
      records: voc.records.map((record, index) => ({ ...record, split: splits[index % 4] })),
    };
    const back = parseCvat(writeCvat(data).get('')!, 'out.xml');
    expect(back.classes).toEqual(data.classes);
    expect(back.skipped).toEqual([]);
    expect(back.records).toHaveLength(765);
    let unknownWrittenNegative = 0;
    back.records.forEach((record, index) => {
      const original = data.records[index]!;
      expect(record.name).toBe(original.name);
      expect(record.split).toBe(original.split);
      for (const className of data.classes) {
        const state = original.classes.get(className)?.state;
        if (state === undefined) unknownWrittenNegative += 1;
        expect(record.classes.get(className)).toEqual({ state: state ?? 'negative' });
      }
    });
    expect(unknownWrittenNegative).toBe(102);
    expect(cvatFormat.loses).toEqual(['unknown', 'sources', 'scores']);
  });
});

describe('malformed CVAT input', () => {
  const wrap = (images: string) =>
    `<annotations>\n<version>1.1</version>\n<meta><task><labels><label><name>cat</name></label></labels></task></meta>\n${images}\n</annotations>`;

  it('broken XML is placed by line and column', () => {
    expect(() => parseCvat(wrap('<image id="0" name="a.jpg">\n<tag label="cat"></image>'), 'in.xml')).toThrow(
      'cvat in.xml line 5, column 18: </image> closes <tag> (line 5)',
    );
    expect(() => parseCvat(wrap('<image id="0" name="a & b.jpg"/>'), 'in.xml')).toThrow(
      'cvat in.xml line 4, column 23: "&" must start an entity such as &amp;',
    );
  });

  it('an image without a name, a tag without a label, a repeated image or no <meta> is refused by line', () => {
    expect(() => parseCvat(wrap('<image id="0"/>'), 'in.xml')).toThrow(
      'cvat in.xml line 4: <image> has no name',
    );
    expect(() =>
      parseCvat(wrap('<image id="0" name="a.jpg"><tag source="manual"/></image>'), 'in.xml'),
    ).toThrow('cvat in.xml line 4: <tag> has no label');
    expect(() =>
      parseCvat(wrap('<image id="0" name="a.jpg"/>\n<image id="1" name="a.jpg"/>'), 'in.xml'),
    ).toThrow('cvat in.xml line 5: a.jpg is listed again (first on line 4)');
    expect(() => parseCvat('<annotations><version>1.1</version></annotations>', 'in.xml')).toThrow(
      'cvat in.xml line 1: no <meta> with the label list',
    );
  });

  it('a tag of an undeclared label and a subset that is no split are read as far as they go, and reported', () => {
    const file = parseCvat(
      wrap(
        '<image id="0" name="a.jpg" subset="constructor"><tag label="dog" source="manual"/></image>\n<image id="1" name="b.jpg"/>',
      ),
      'in.xml',
    );
    expect(file.classes).toEqual(['cat', 'dog']);
    expect(
      file.records.map((record) => [record.name, record.split, Object.fromEntries(record.classes)]),
    ).toEqual([
      ['a.jpg', undefined, { dog: positive, cat: negative }],
      // dog was never declared: an image without its tag is not called negative for it.
      ['b.jpg', undefined, { cat: negative }],
    ]);
    expect(file.skipped).toEqual([
      {
        at: 'line 4',
        reason: 'label dog is not declared in <meta>; read from its tags only, with no negatives',
      },
      { at: 'line 4', reason: 'subset "constructor" is not train, validation or test; no split read' },
    ]);
  });
});

import { describe, expect, it } from 'vitest';
import { childText, escapeXml, parseXml } from './xml';

const parse = (text: string) => parseXml(text, 'test', 'in.xml');

describe('the XML reader of label files', () => {
  it('reads elements, attributes, text, entities, CDATA, and passes over the declaration and comments', () => {
    const root = parse(`<?xml version="1.0" encoding="utf-8"?>
<!-- written by hand -->
<annotation kind='voc' note="a &amp; b &#233;&#x41;">
  <name>cat &lt;3</name>
  <empty/>
  <raw><![CDATA[<not> & parsed]]></raw>
</annotation>
`);
    expect(root.name).toBe('annotation');
    expect(root.line).toBe(3);
    expect(Object.fromEntries(root.attributes)).toEqual({ kind: 'voc', note: 'a & b éA' });
    expect(root.children.map((child) => [child.name, child.line])).toEqual([
      ['name', 4],
      ['empty', 5],
      ['raw', 6],
    ]);
    expect(childText(root, 'name')).toBe('cat <3');
    expect(childText(root, 'raw')).toBe('<not> & parsed');
    expect(childText(root, 'missing')).toBeUndefined();
    // An element's own text leaves out its children's.
    expect(root.text.trim()).toBe('');
  });

  it('gives back any text escapeXml wrote, in an attribute or an element', () => {
    const value = ` a "quoted" <b> & 'c'\r\n\tend `;
    const root = parse(`<x v="${escapeXml(value)}">${escapeXml(value)}</x>`);
    expect(root.attributes.get('v')).toBe(value);
    expect(root.text).toBe(value);
  });

  it('refuses what is not well-formed, saying where and why', () => {
    const refusals: [string, string][] = [
      ['', 'test in.xml line 1, column 1: empty document'],
      ['<a>\n<b></a>', 'test in.xml line 2, column 4: </a> closes <b> (line 2)'],
      ['<a>\n  <b>', 'test in.xml line 2, column 6: <b> (line 2) is never closed'],
      ['<a x=1/>', 'test in.xml line 1, column 6: attribute x of <a> must be quoted'],
      ['<a x="1" x="2"/>', 'test in.xml line 1, column 10: attribute x is repeated in <a>'],
      ['<a>&nbsp;</a>', 'test in.xml line 1, column 4: unknown entity &nbsp;'],
      ['<a>&constructor;</a>', 'test in.xml line 1, column 4: unknown entity &constructor;'],
      ['<a/><b/>', 'test in.xml line 1, column 5: content after the root element </a>'],
      [
        '<!DOCTYPE a [<!ENTITY x "y">]><a/>',
        'test in.xml line 1, column 1: a DOCTYPE is not accepted in a label file',
      ],
      ['<a><!-- open</a>', 'test in.xml line 1, column 4: unterminated comment'],
    ];
    for (const [text, message] of refusals) expect(() => parse(text), text).toThrow(message);
  });

  it('refuses elements nested 200,000 deep with the line, the column and the reason, not a stack overflow', () => {
    const deep = `<annotations>\n${'<a>'.repeat(200_000)}${'</a>'.repeat(200_000)}</annotations>`;
    expect(() => parse(deep)).toThrow(
      'test in.xml line 2, column 298: elements nested more than 100 deep; no label file needs that many',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { takeHostToken, type TokenPlace } from './host-token';

/** A tab at `href` with its own sessionStorage, recording what the address bar shows. */
function tab(href: string, kept = new Map<string, string>()) {
  const place: TokenPlace & { shown: string[] } = {
    href,
    storage: { getItem: (key) => kept.get(key) ?? null, setItem: (key, value) => void kept.set(key, value) },
    shown: [],
    replaceAddress: (address) => place.shown.push(address),
  };
  return place;
}

describe('the host token of a tab', () => {
  it('is taken from the printed address, kept for the tab, and taken out of the address bar', () => {
    const kept = new Map<string, string>();
    const opened = tab('http://127.0.0.1:41233/?token=abc-123', kept);
    expect(takeHostToken(opened)).toBe('abc-123');
    expect(opened.shown).toEqual(['/']);

    // The reload: the address no longer carries it, the tab's storage does.
    const reloaded = tab('http://127.0.0.1:41233/', kept);
    expect(takeHostToken(reloaded)).toBe('abc-123');
    expect(reloaded.shown).toEqual([]);
  });

  it('keeps the rest of the address as it was', () => {
    const opened = tab('http://127.0.0.1:41233/index.html?x=1&token=abc#grid');
    expect(takeHostToken(opened)).toBe('abc');
    expect(opened.shown).toEqual(['/index.html?x=1#grid']);
  });

  it('is a newer printed address’s when one is opened in the same tab', () => {
    const kept = new Map([['csra-studio-token', 'old']]);
    expect(takeHostToken(tab('http://127.0.0.1:41233/?token=new', kept))).toBe('new');
    expect(takeHostToken(tab('http://127.0.0.1:41233/', kept))).toBe('new');
  });

  it('is missing in a tab opened without the printed address', () => {
    expect(takeHostToken(tab('http://127.0.0.1:41233/'))).toBeNull();
  });
});

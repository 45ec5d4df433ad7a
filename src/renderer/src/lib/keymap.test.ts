// The workspace's one keymap: what each key press does, and that the table agrees with the shared
// command keys and leaves every class hotkey free.
import { describe, expect, it } from 'vitest';
import { classHotkeyOrder, commandKeys } from '$shared/hotkeys';
import { chordLabel, dispatchKey, keyBelongsToControl, keymap, lookUpKey, type KeyTarget } from './keymap';

const classes = [
  { id: 1, hotkey: '1' },
  { id: 2, hotkey: 'q' },
  { id: 3, hotkey: '0' },
  { id: 4, hotkey: null },
];

const press = (
  key: string,
  modifiers: Partial<Record<'ctrl' | 'meta' | 'alt' | 'shift' | 'repeat', boolean>> = {},
) => ({
  key,
  ctrlKey: modifiers.ctrl ?? false,
  metaKey: modifiers.meta ?? false,
  altKey: modifiers.alt ?? false,
  shiftKey: modifiers.shift ?? false,
  repeat: modifiers.repeat ?? false,
});

function recorder(): { target: KeyTarget; calls: string[] } {
  const calls: string[] = [];
  const target = new Proxy({} as KeyTarget, {
    get:
      (_, name: string) =>
      (...args: unknown[]) =>
        calls.push(args.length ? `${name}(${args.join(',')})` : name),
  });
  return { target, calls };
}

const command = (key: string, modifiers = {}) => {
  const action = lookUpKey(press(key, modifiers), classes);
  return action?.kind === 'command' ? action.binding.id : action;
};

describe('the workspace keymap', () => {
  it('runs the commands of the shared command keys', () => {
    expect(command('Enter')).toBe('confirm');
    expect(command(commandKeys.accept)).toBe('accept');
    expect(command(commandKeys.rejectRest)).toBe('rejectRest');
    expect(command(commandKeys.nextUnlabelled)).toBe('nextUnlabelled');
    expect(command(commandKeys.overlay)).toBe('overlay');
    expect(command(commandKeys.allClasses)).toBe('allClasses');
    expect(command(commandKeys.keepLabel)).toBe('keepLabel');
    expect(command(commandKeys.flipLabel)).toBe('flipLabel');
    expect(command('?', { shift: true })).toBe('help');
    expect(command('ArrowLeft')).toBe('previous');
    expect(command('ArrowRight')).toBe('next');
    expect(command('Escape')).toBe('escape');
  });

  it('undoes with Ctrl+Z or ⌘Z and redoes with the Shift of either, or Ctrl+Y', () => {
    expect(command('z', { ctrl: true })).toBe('undo');
    expect(command('z', { meta: true })).toBe('undo');
    expect(command('Z', { ctrl: true, shift: true })).toBe('redo');
    expect(command('Z', { meta: true, shift: true })).toBe('redo');
    expect(command('y', { ctrl: true })).toBe('redo');
    expect(command('z')).toBeNull();
    expect(command('z', { ctrl: true, alt: true })).toBeNull();
  });

  it('toggles a class with its hotkey, whatever the case or Shift, and not with Ctrl or Alt', () => {
    expect(lookUpKey(press('1'), classes)).toEqual({ kind: 'class', classId: 1 });
    expect(lookUpKey(press('q'), classes)).toEqual({ kind: 'class', classId: 2 });
    expect(lookUpKey(press('Q', { shift: true }), classes)).toEqual({ kind: 'class', classId: 2 });
    expect(lookUpKey(press('0'), classes)).toEqual({ kind: 'class', classId: 3 });
    expect(lookUpKey(press('q', { ctrl: true }), classes)).toBeNull();
    expect(lookUpKey(press('q', { alt: true }), classes)).toBeNull();
    expect(lookUpKey(press('w'), classes)).toBeNull();
    // Ctrl+0 fits, plain 0 stays the tenth class's key.
    expect(command('0', { ctrl: true })).toBe('fit');
  });

  it('takes no key a class may use for a command, and no key twice', () => {
    const plain = keymap.flatMap((binding) => binding.chords.filter((chord) => !chord.mod)).map((c) => c.key);
    for (const key of classHotkeyOrder) expect(plain).not.toContain(key);
    const all = keymap.flatMap((binding) =>
      binding.chords.map((chord) => `${chord.mod ? 'mod+' : ''}${chord.shift ? 'shift+' : ''}${chord.key}`),
    );
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(keymap.map((binding) => binding.id)).size).toBe(keymap.length);
  });

  it('dispatches to the target; a held key repeats moves and zooms, not labels', () => {
    const { target, calls } = recorder();
    expect(dispatchKey(press('q'), classes, target)).toBe(true);
    expect(dispatchKey(press('q', { repeat: true }), classes, target)).toBe(true);
    expect(dispatchKey(press('a', { repeat: true }), classes, target)).toBe(true);
    expect(dispatchKey(press('ArrowRight', { repeat: true }), classes, target)).toBe(true);
    expect(dispatchKey(press('+', { shift: true }), classes, target)).toBe(true);
    expect(dispatchKey(press('ArrowDown'), classes, target)).toBe(true);
    expect(dispatchKey(press('w'), classes, target)).toBe(false);
    expect(calls).toEqual(['toggleClass(2)', 'next', 'zoom(1)', 'cycleMap(1)']);
  });

  it('lets only the help keys act while the help sheet is open', () => {
    const { target, calls } = recorder();
    expect(dispatchKey(press('a'), classes, target, { helpOpen: true })).toBe(false);
    expect(dispatchKey(press('1'), classes, target, { helpOpen: true })).toBe(false);
    expect(dispatchKey(press('?'), classes, target, { helpOpen: true })).toBe(true);
    expect(dispatchKey(press('Escape'), classes, target, { helpOpen: true })).toBe(true);
    expect(calls).toEqual(['toggleHelp', 'escape']);
  });

  it('leaves keys to text fields, a slider its arrows and a button its Enter', () => {
    const element = (selector: string, type?: string) => ({
      closest: (query: string) =>
        query.split(',').some((part) => part.trim() === selector) ? { type } : null,
    });
    expect(keyBelongsToControl(element('input', 'text'), 'a')).toBe(true);
    expect(keyBelongsToControl(element('textarea'), 'a')).toBe(true);
    expect(keyBelongsToControl(element('input', 'range'), 'ArrowLeft')).toBe(true);
    expect(keyBelongsToControl(element('input', 'range'), 'a')).toBe(false);
    expect(keyBelongsToControl(element('input', 'checkbox'), 'a')).toBe(false);
    // Enter and Space press the focused button, Space ticks the box, instead of confirming the photo.
    expect(keyBelongsToControl(element('button'), 'Enter')).toBe(true);
    expect(keyBelongsToControl(element('button'), ' ')).toBe(true);
    expect(keyBelongsToControl(element('button'), 'a')).toBe(false);
    expect(keyBelongsToControl(element('input', 'checkbox'), ' ')).toBe(true);
    expect(keyBelongsToControl(element('input', 'checkbox'), 'Enter')).toBe(false);
    expect(keyBelongsToControl(element('div'), 'Enter')).toBe(false);
    expect(keyBelongsToControl(element('div'), 'a')).toBe(false);
    expect(keyBelongsToControl(null, 'a')).toBe(false);
  });

  it('reads chords as each platform writes them', () => {
    expect(chordLabel({ key: 'z', mod: true, shift: true }, false)).toBe('Ctrl+Shift+Z');
    expect(chordLabel({ key: 'z', mod: true, shift: true }, true)).toBe('⌘⇧Z');
    expect(chordLabel({ key: 'ArrowLeft' }, false)).toBe('←');
    expect(chordLabel({ key: 'a' }, false)).toBe('A');
  });
});

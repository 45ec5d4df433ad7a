// Every key of the labeling workspace, in one table: the workspace handles keys by looking them up
// here, and the help sheet ('?') lists this same table. A key added here is both live and listed.
//
// Class hotkeys (digits and letters, one per class, see src/shared/hotkeys.ts) flip what the photo
// shows for their class: a positive label or a pre-label becomes negative, anything else positive.
// With Enter (confirm) a photo whose pre-labels are right takes one key, and each wrong pre-label
// one more; undo takes back a press made by mistake.
//
// In review mode (a queue of (photo, class) items, lib/review.svelte.ts) C keeps and F flips the
// label the item proposes, and the arrows move between items: → skips one.
import { commandKeys } from '$shared/hotkeys';

/** What the keys act on: the workspace store and the photo stage together. */
export interface KeyTarget {
  toggleClass(classId: number): void;
  confirm(): void;
  accept(): void;
  rejectRest(): void;
  undo(): void;
  redo(): void;
  previous(): void;
  next(): void;
  nextUnlabelled(): void;
  toggleOverlay(): void;
  toggleAllClasses(): void;
  cycleMap(step: 1 | -1): void;
  zoom(step: 1 | -1): void;
  fit(): void;
  toggleHelp(): void;
  /** Review mode: set the label the item proposes (C), or its opposite (F), then the next item. */
  keepLabel(): void;
  flipLabel(): void;
  /** Closes the help sheet when it is open, otherwise the workspace. */
  escape(): void;
}

/**
 * One key: `key` is KeyboardEvent.key, compared without case for letters. `mod` is Ctrl, or ⌘ on a
 * Mac (either is taken on every platform); `shift` must then match exactly. Keys without `mod`
 * take no Ctrl, ⌘ or Alt, and any Shift (it may be how the keyboard layout types the key).
 */
export interface Chord {
  key: string;
  mod?: boolean;
  shift?: boolean;
}

/** The help sheet's sections, in the order it shows them. */
export const keyGroups = ['Labels', 'Review', 'Photos', 'View', 'Help'] as const;

export type KeyGroup = (typeof keyGroups)[number];

export interface Binding {
  id: string;
  chords: Chord[];
  description: string;
  group: KeyGroup;
  /** Held down, the key repeats its command (moving, zooming); label commands run once per press. */
  repeats?: boolean;
  /** Also acts while the help sheet is open. */
  inHelp?: boolean;
  run(target: KeyTarget): void;
}

export const keymap: readonly Binding[] = [
  {
    id: 'confirm',
    chords: [{ key: 'Enter' }],
    description:
      'Confirm the photo as shown: pre-labels positive, every other class negative; then the next photo (in review: the next item)',
    group: 'Labels',
    run: (target) => target.confirm(),
  },
  {
    id: 'accept',
    chords: [{ key: commandKeys.accept }],
    description: 'Accept the pre-labels: every class at or above its threshold becomes positive',
    group: 'Labels',
    run: (target) => target.accept(),
  },
  {
    id: 'rejectRest',
    chords: [{ key: commandKeys.rejectRest }],
    description: 'Mark every class still unknown as negative',
    group: 'Labels',
    run: (target) => target.rejectRest(),
  },
  {
    id: 'undo',
    chords: [{ key: 'z', mod: true }],
    description: 'Undo the last label change',
    group: 'Labels',
    run: (target) => target.undo(),
  },
  {
    id: 'redo',
    chords: [
      { key: 'z', mod: true, shift: true },
      { key: 'y', mod: true },
    ],
    description: 'Redo',
    group: 'Labels',
    run: (target) => target.redo(),
  },
  {
    id: 'keepLabel',
    chords: [{ key: commandKeys.keepLabel }],
    description:
      "Review: keep the item's label (the given one, or the model's side), set by you; then the next item",
    group: 'Review',
    run: (target) => target.keepLabel(),
  },
  {
    id: 'flipLabel',
    chords: [{ key: commandKeys.flipLabel }],
    description: "Review: flip the item's label; then the next item",
    group: 'Review',
    run: (target) => target.flipLabel(),
  },
  {
    id: 'previous',
    chords: [{ key: 'ArrowLeft' }],
    description: 'Previous photo (in review: the previous item)',
    group: 'Photos',
    repeats: true,
    run: (target) => target.previous(),
  },
  {
    id: 'next',
    chords: [{ key: 'ArrowRight' }],
    description: 'Next photo (in review: skip the item, leaving its label as it is)',
    group: 'Photos',
    repeats: true,
    run: (target) => target.next(),
  },
  {
    id: 'nextUnlabelled',
    chords: [{ key: commandKeys.nextUnlabelled }],
    description: 'Next photo without any label',
    group: 'Photos',
    repeats: true,
    run: (target) => target.nextUnlabelled(),
  },
  {
    id: 'overlay',
    chords: [{ key: commandKeys.overlay }],
    description: 'Class attention overlay on or off',
    group: 'View',
    run: (target) => target.toggleOverlay(),
  },
  {
    id: 'allClasses',
    chords: [{ key: commandKeys.allClasses }],
    description: 'All classes: mark where the model sees each predicted class',
    group: 'View',
    run: (target) => target.toggleAllClasses(),
  },
  {
    id: 'nextMap',
    chords: [{ key: 'ArrowDown' }],
    description: "Overlay the next class's map",
    group: 'View',
    repeats: true,
    run: (target) => target.cycleMap(1),
  },
  {
    id: 'previousMap',
    chords: [{ key: 'ArrowUp' }],
    description: "Overlay the previous class's map",
    group: 'View',
    repeats: true,
    run: (target) => target.cycleMap(-1),
  },
  {
    id: 'zoomIn',
    chords: [{ key: '+' }, { key: '=' }],
    description: 'Zoom in (or the mouse wheel)',
    group: 'View',
    repeats: true,
    run: (target) => target.zoom(1),
  },
  {
    id: 'zoomOut',
    chords: [{ key: '-' }],
    description: 'Zoom out',
    group: 'View',
    repeats: true,
    run: (target) => target.zoom(-1),
  },
  {
    // Plain 0 is a class hotkey (the tenth class's): fitting takes the browser's "actual size" chord.
    id: 'fit',
    chords: [{ key: '0', mod: true }],
    description: 'Fit the photo to the stage (or double-click it; drag to pan)',
    group: 'View',
    run: (target) => target.fit(),
  },
  {
    id: 'help',
    chords: [{ key: commandKeys.help }],
    description: 'Show or hide these shortcuts',
    group: 'Help',
    inHelp: true,
    run: (target) => target.toggleHelp(),
  },
  {
    id: 'escape',
    chords: [{ key: 'Escape' }],
    description: 'Close the shortcuts, or the workspace',
    group: 'Help',
    inHelp: true,
    run: (target) => target.escape(),
  },
];

/** The help sheet's row for class hotkeys, which come from the classes themselves. */
export const classKeyDescription =
  'Flip the class: positive or pre-labelled → negative, otherwise → positive';

/** The fields of a KeyboardEvent the lookup reads (a plain object will do in tests). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
  repeat?: boolean;
}

export type KeyAction = { kind: 'class'; classId: number } | { kind: 'command'; binding: Binding } | null;

const normalise = (key: string) => (key.length === 1 ? key.toLowerCase() : key);

function matches(chord: Chord, press: KeyPress): boolean {
  if (normalise(chord.key) !== normalise(press.key)) return false;
  if (press.altKey) return false;
  const mod = press.ctrlKey || press.metaKey;
  if (chord.mod) return mod && Boolean(chord.shift) === press.shiftKey;
  return !mod;
}

/**
 * What a key press does: toggle a class (its hotkey, no modifier), run a command of the table, or
 * nothing. While the help sheet is open only the keys marked `inHelp` act.
 */
export function lookUpKey(
  press: KeyPress,
  classes: readonly { id: number; hotkey: string | null }[],
  options: { helpOpen?: boolean } = {},
): KeyAction {
  const binding = keymap.find((candidate) => candidate.chords.some((chord) => matches(chord, press)));
  if (options.helpOpen) return binding?.inHelp ? { kind: 'command', binding } : null;
  if (binding) return { kind: 'command', binding };
  if (press.ctrlKey || press.metaKey || press.altKey || press.key.length !== 1) return null;
  const key = press.key.toLowerCase();
  const item = classes.find((candidate) => candidate.hotkey === key);
  return item ? { kind: 'class', classId: item.id } : null;
}

/**
 * Handles a key press on `target`; true when it did something (the caller then prevents the
 * browser's own handling). A held key repeats only commands marked `repeats`.
 */
export function dispatchKey(
  press: KeyPress,
  classes: readonly { id: number; hotkey: string | null }[],
  target: KeyTarget,
  options: { helpOpen?: boolean } = {},
): boolean {
  const action = lookUpKey(press, classes, options);
  if (!action) return false;
  if (action.kind === 'class') {
    if (!press.repeat) target.toggleClass(action.classId);
  } else if (!press.repeat || action.binding.repeats) {
    action.binding.run(target);
  }
  return true;
}

/** Whether keys pressed in this element belong to it (typing in a field, moving a slider). */
export function keyBelongsToControl(element: unknown, key: string): boolean {
  const target = element as { closest?: (selector: string) => unknown; type?: string } | null;
  if (!target?.closest) return false;
  if (target.closest('textarea, select, [contenteditable=""], [contenteditable="true"]')) return true;
  // Enter and Space press a focused button, Space ticks a box, as everywhere else.
  const pressable = key === 'Enter' || key === ' ';
  if (pressable && target.closest('button, a[href], summary')) return true;
  const input = target.closest('input') as { type: string } | null;
  if (!input) return false;
  if (input.type === 'button') return pressable;
  if (input.type === 'checkbox' || input.type === 'radio') return key === ' ';
  // A slider keeps its arrow keys and Home/End; letters still reach the workspace.
  if (input.type === 'range') return key.startsWith('Arrow') || key === 'Home' || key === 'End';
  return true;
}

/** How a chord reads in the help sheet: "Ctrl+Shift+Z" or "⌘⇧Z", "←", "A". */
export function chordLabel(chord: Chord, mac: boolean): string {
  const names: Record<string, string> = {
    ArrowLeft: '←',
    ArrowRight: '→',
    ArrowUp: '↑',
    ArrowDown: '↓',
    Escape: 'Esc',
    Enter: '↵ Enter',
  };
  const key = names[chord.key] ?? (chord.key.length === 1 ? chord.key.toUpperCase() : chord.key);
  if (!chord.mod) return key;
  if (mac) return `⌘${chord.shift ? '⇧' : ''}${key}`;
  return `Ctrl+${chord.shift ? 'Shift+' : ''}${key}`;
}

export function isMac(): boolean {
  // Read through globalThis: the end-to-end tests import this table in Node, without the DOM's types.
  const { navigator } = globalThis as { navigator?: { platform?: string; userAgent?: string } };
  return /Mac|iPhone|iPad/.test(navigator?.platform || navigator?.userAgent || '');
}

// Keys of the labeling workspace. Commands take a few letters; every other digit and letter can
// toggle a class, handed out in this order to classes as they are created.
export const commandKeys = {
  accept: 'a',
  rejectRest: 'x',
  nextUnlabelled: 'n',
  overlay: 'v',
  allClasses: 'm',
  // Review mode: the label a review item proposes, kept or flipped.
  keepLabel: 'c',
  flipLabel: 'f',
  help: '?',
} as const;

const reserved = new Set<string>(Object.values(commandKeys));

export const classHotkeyOrder = [...'1234567890qwertyuiopsdfghjklzcb'].filter((key) => !reserved.has(key));

/** A key a class may use: one digit or lowercase letter that no command takes. */
export function isClassHotkey(key: string): boolean {
  return /^[0-9a-z]$/.test(key) && !reserved.has(key);
}

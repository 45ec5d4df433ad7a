// The switch timing of the stage: when the person switched photo or class, so the stage can say
// how long the switch took to show. The workspace leaves the last switch the stage has not shown
// yet in its `switchMark`; the stage reads it when it draws and clears it.

/** A switch the stage is to show: when it started (performance.now()), and what changed. */
export interface SwitchMark {
  kind: 'photo' | 'class';
  at: number;
}

/** A switch of `kind` starting now. */
export function markSwitch(kind: SwitchMark['kind']): SwitchMark {
  return { kind, at: performance.now() };
}

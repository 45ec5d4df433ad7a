// Numbers and paths as the UI shows them.

import type { JobStatus } from '$shared/contract';

export { formatCount, plural } from '$shared/plural';

/** Photos per second: one decimal below 10, whole numbers above. */
export function formatRate(perSecond: number): string {
  return `${formatSpeed(perSecond)} photos/s`;
}

/** The number of formatRate alone, for a figure whose heading gives the unit. */
export function formatSpeed(perSecond: number): string {
  return perSecond.toFixed(perSecond < 10 ? 1 : 0);
}

/** A time left: "under 1 s", "45 s", "2 min 05 s", "1 h 03 min". */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 1) return 'under 1 s';
  const whole = Math.round(seconds);
  if (whole < 60) return `${whole} s`;
  const minutes = Math.floor(whole / 60);
  if (minutes < 60) return `${minutes} min ${String(whole % 60).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** A running job's time left as a phrase: "a few seconds left", "about 45 s left". */
export function formatTimeLeft(seconds: number): string {
  // "about under 1 s" read as two hedges at once; below a few seconds the figure is noise anyway.
  return seconds < 5 ? 'a few seconds left' : `about ${formatDuration(seconds)} left`;
}

/** The folder every path lies in (with a trailing slash), or '' when they share none. */
export function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  let prefix = paths[0]!.slice(0, paths[0]!.lastIndexOf('/') + 1);
  for (const path of paths) {
    while (prefix && !path.startsWith(prefix))
      prefix = prefix.slice(0, prefix.lastIndexOf('/', prefix.length - 2) + 1);
  }
  return prefix.length > 1 ? prefix : '';
}

/** `path` relative to the folder `base` it lies in (as commonFolder gives it); as it is otherwise. */
export function relativePath(base: string, path: string): string {
  return base && path.startsWith(base) ? path.slice(base.length) : path;
}

/**
 * A job's status in words, as its report's title says it: the job (`name`, "Import") and how it
 * ended ("Import finished", "Import cancelled"); while it runs, what it is doing (`doing`).
 */
export function statusText(status: JobStatus, name: string, doing = name): string {
  return status === 'running' ? doing : `${name} ${status === 'done' ? 'finished' : status}`;
}

/** Black or white text, whichever reads better on a `#rrggbb` background (WCAG luminance). */
export function textOn(background: string): '#000000' | '#ffffff' {
  const match = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(background);
  if (!match) return '#ffffff';
  const [r, g, b] = match.slice(1).map((hex) => {
    const channel = parseInt(hex, 16) / 255;
    return channel <= 0.03928 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  // Contrast with black is (L + 0.05) / 0.05, with white 1.05 / (L + 0.05): equal at L ≈ 0.179.
  return luminance > 0.179 ? '#000000' : '#ffffff';
}

/** A probability as chips and lists show it: "0.93". */
export function formatProbability(probability: number): string {
  return probability.toFixed(2);
}

const providerNames: Record<string, string> = { cpu: 'CPU', webgpu: 'WebGPU', cuda: 'CUDA', auto: 'Auto' };

/** An execution provider as people write it: "CPU", "WebGPU", "CUDA". */
export function providerName(provider: string): string {
  return providerNames[provider] ?? provider;
}

/** An average precision or mAP (a fraction) in points, as the paper writes it: "88.1"; "–" when unknown. */
export function formatAp(fraction: number | null): string {
  return fraction === null ? '–' : (fraction * 100).toFixed(1);
}

/** How far `after` is from `before`, in points of formatAp: "+1.3", "−0.4", "±0.0"; "–" when unknown. */
export function formatApDelta(before: number | null, after: number | null): string {
  if (before === null || after === null) return '–';
  const points = Math.round((after - before) * 1000) / 10;
  if (points === 0) return '±0.0';
  return `${points > 0 ? '+' : '−'}${Math.abs(points).toFixed(1)}`;
}

/** A moment as lists show it: the date and the time of day, in the person's locale. */
export function formatWhen(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime())
    ? iso
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

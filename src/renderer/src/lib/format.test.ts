import { describe, expect, it } from 'vitest';
import {
  commonFolder,
  formatAp,
  formatApDelta,
  formatDuration,
  formatProbability,
  formatRate,
  formatSpeed,
  formatTimeLeft,
  formatWhen,
  plural,
  providerName,
  relativePath,
  statusText,
  textOn,
} from './format';

describe('formatting for the UI', () => {
  it('counts things in words', () => {
    expect(plural(1, 'photo')).toBe('1 photo');
    expect(plural(0, 'photo')).toBe('0 photos');
    expect(plural(12345, 'class', 'classes')).toBe('12,345 classes');
  });

  it('gives rates with one decimal only while they are small', () => {
    expect(formatRate(3.456)).toBe('3.5 photos/s');
    expect(formatRate(42.4)).toBe('42 photos/s');
    expect(formatSpeed(3.456)).toBe('3.5');
    expect(formatSpeed(42.4)).toBe('42');
  });

  it('gives times left in seconds, minutes or hours', () => {
    expect(formatDuration(0.4)).toBe('under 1 s');
    expect(formatDuration(44.6)).toBe('45 s');
    expect(formatDuration(125)).toBe('2 min 05 s');
    expect(formatDuration(3780)).toBe('1 h 03 min');
    expect(formatDuration(Number.POSITIVE_INFINITY)).toBe('–');
  });

  it("says a job's time left as a phrase, without hedging twice", () => {
    expect(formatTimeLeft(0.4)).toBe('a few seconds left');
    expect(formatTimeLeft(4.6)).toBe('a few seconds left');
    expect(formatTimeLeft(44.6)).toBe('about 45 s left');
    expect(formatTimeLeft(125)).toBe('about 2 min 05 s left');
  });

  it('finds the folder a set of paths shares', () => {
    expect(commonFolder(['/a/b/c.jpg', '/a/b/d/e.png'])).toBe('/a/b/');
    expect(commonFolder(['/a/b/c.jpg', '/a/x/c.jpg'])).toBe('/a/');
    expect(commonFolder(['/a/b/c.jpg'])).toBe('/a/b/');
    expect(commonFolder(['/a/c.jpg', '/b/c.jpg'])).toBe('');
    expect(commonFolder([])).toBe('');
  });

  it('shows a path within the folder it lies in, and one elsewhere whole', () => {
    expect(relativePath('/a/b/', '/a/b/c/d.jpg')).toBe('c/d.jpg');
    expect(relativePath('/a/b/', '/x/d.jpg')).toBe('/x/d.jpg');
    expect(relativePath('', '/x/d.jpg')).toBe('/x/d.jpg');
  });

  it("says a job's status as its report's title: what it does while running, how it ended after", () => {
    expect(statusText('running', 'Import', 'Importing')).toBe('Importing');
    expect(statusText('running', 'Training')).toBe('Training');
    expect(statusText('done', 'Import', 'Importing')).toBe('Import finished');
    expect(statusText('cancelled', 'Pre-labeling')).toBe('Pre-labeling cancelled');
    expect(statusText('failed', 'Training')).toBe('Training failed');
  });

  it('picks the more readable text color for every class color', () => {
    expect(textOn('#ffe119')).toBe('#000000');
    expect(textOn('#000075')).toBe('#ffffff');
    expect(textOn('#4363d8')).toBe('#ffffff');
    expect(textOn('#911eb4')).toBe('#ffffff');
    expect(textOn('not a color')).toBe('#ffffff');
  });

  it('gives probabilities with two decimals', () => {
    expect(formatProbability(0.9349)).toBe('0.93');
    expect(formatProbability(0.5)).toBe('0.50');
    expect(formatProbability(1)).toBe('1.00');
  });

  it('names execution providers as people write them', () => {
    expect(providerName('cpu')).toBe('CPU');
    expect(providerName('webgpu')).toBe('WebGPU');
    expect(providerName('cuda')).toBe('CUDA');
    expect(providerName('auto')).toBe('Auto');
    expect(providerName('coreml')).toBe('coreml');
  });

  it('gives average precision in points with one decimal, and its change with a sign', () => {
    expect(formatAp(0.8814)).toBe('88.1');
    expect(formatAp(1)).toBe('100.0');
    expect(formatAp(null)).toBe('–');
    expect(formatApDelta(0.88, 0.893)).toBe('+1.3');
    expect(formatApDelta(0.9, 0.896)).toBe('−0.4');
    expect(formatApDelta(0.9, 0.9004)).toBe('±0.0');
    expect(formatApDelta(0.9, 0.8996)).toBe('±0.0');
    expect(formatApDelta(null, 0.9)).toBe('–');
    expect(formatApDelta(0.9, null)).toBe('–');
  });

  it('gives a moment as a date and a time, and what it cannot read as it is', () => {
    const shown = formatWhen('2026-03-04T05:06:07.000Z');
    expect(shown).toMatch(/2026/);
    expect(shown).toBe(
      new Date('2026-03-04T05:06:07.000Z').toLocaleString(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
      }),
    );
    expect(formatWhen('yesterday')).toBe('yesterday');
  });
});

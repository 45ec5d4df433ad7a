// The command line as the commands read it: the shape of a command, its options parsed strictly,
// and the checks of the values typed, each failing with a UsageError (exit code 2).
import { parseArgs } from 'node:util';
import { ProviderChoice } from '$shared/contract';
import type { OpenStudio } from './session';

/** One command: its arguments, and how to open the studio it works in (cli.ts says where). */
export type Command = (args: string[], openStudio: OpenStudio) => Promise<void>;

/** Exit codes: 0 done, 1 the work failed, 2 the command line or its input is wrong. */
export class UsageError extends Error {}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export function parse<O extends Options>(args: string[], options: O, positionals: number) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (parsed.positionals.length !== positionals) {
    throw new UsageError(`expected ${positionals} argument(s), got ${parsed.positionals.length}`);
  }
  return parsed;
}

export const providerOption = { ep: { type: 'string', default: 'auto' } } as const;

export function providerChoice(value: string): ProviderChoice {
  const parsed = ProviderChoice.safeParse(value);
  if (!parsed.success)
    throw new UsageError(`--ep must be one of ${ProviderChoice.options.join(', ')}, got "${value}"`);
  return parsed.data;
}

/** A share of the photos given on the command line: a number from 0 to 0.9. */
export function fraction(option: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 0.9)
    throw new UsageError(`${option} must be a number from 0 to 0.9, got "${value}"`);
  return number;
}

/** A whole number of at least `least` given on the command line. */
export function wholeNumber(option: string, value: string, least: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(number) || number < least)
    throw new UsageError(`${option} must be a whole number from ${least}, got "${value}"`);
  return number;
}

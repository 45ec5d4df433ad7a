// Turns a failed call into a sentence for the UI. ApiError messages are already written for people;
// schema failures ("op: ✖ a path is required; → at path") are tidied up a little.
import { ApiError } from '../../../shared/rpc';

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.code !== 'invalid_request') return error.message;
    return error.message
      .replace(/^\w+: /, '')
      .replace(/✖\s*/g, '')
      .replace(/;\s*→ at (\S+)/g, ' ($1)');
  }
  if (error instanceof Error) return error.message;
  return String(error);
}

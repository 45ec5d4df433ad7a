// The shape the operation modules fill in: each contract operation takes its parsed input and
// resolves to its output. api.ts joins the modules and the compiler checks that none is missing.
import type { z } from 'zod';
import type { OpName, Operations } from '$shared/contract';

export type Implementation = {
  [K in OpName]: (input: z.output<Operations[K]['input']>) => Promise<z.output<Operations[K]['output']>>;
};

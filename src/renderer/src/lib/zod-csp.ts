// Imported first by main.ts, before anything loads the contract. Zod probes `new Function` when
// its object schemas are built, to decide whether to compile fast parsers; under the renderer's
// CSP (no 'unsafe-eval') that probe is reported as a securitypolicyviolation even though zod
// catches it. The renderer never parses with the schemas, so turn the compiler off.
import { config } from 'zod';

config({ jitless: true });

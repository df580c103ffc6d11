// Worker entry: a worker thread does not inherit the TypeScript loader of every launcher (npm
// start via the tsx CLI does; node --test does not), so it registers tsx itself before loading
// the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./self-check.worker.ts');

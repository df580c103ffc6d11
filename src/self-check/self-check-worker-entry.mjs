// Worker entry when running from source (the compiled dist/ starts self-check.worker.js
// directly): a worker thread does not inherit the TypeScript loader of every launcher (node
// --test does not pass it on), so it registers tsx itself before loading the worker module.
import { register } from 'tsx/esm/api';

register();
await import('./self-check.worker.ts');

// TypeDoc reads the sources with TypeScript's compiler API, which TypeScript 7 (the native compiler this
// project builds with) does not offer. Loaded with `node --import`, this module makes every import of
// `typescript` in the process resolve to TypeScript 6, installed beside 7 as the alias `typescript6`.
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

/** Resolve hook: `typescript` is `typescript6`. */
export async function resolve(specifier, context, nextResolve) {
  return nextResolve(specifier === 'typescript' ? 'typescript6' : specifier, context);
}

// Loaded again in the thread that runs the hooks: register only from the main thread.
if (isMainThread) register(import.meta.url);

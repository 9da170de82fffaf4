/**
 * Module loading for the scanner: `import()` through file URLs, with TypeScript made loadable under
 * plain Node by registering tsx's ESM and CommonJS hooks once per process.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A pino-compatible logger; the scanner only says what it did, at debug level. */
export interface ScanLogger {
  debug(obj: object, msg?: string): void;
}

/** @internal The seams of {@link ModuleLoader}, replaced in tests. */
export interface LoaderHooks {
  /** `import()` of a file URL. */
  importModule(url: string): Promise<unknown>;
  /** True when this process already imports TypeScript, decorators included (tsx, vitest, ts-node...). */
  canImportTypeScript(): Promise<boolean>;
  /** Makes this process import TypeScript: registers tsx's ESM hooks. */
  registerTypeScript(): Promise<void>;
}

const TYPESCRIPT = /\.[mc]?tsx?$/i;

/** @internal True for a path TypeScript compiles rather than Node runs. */
export function isTypeScriptPath(path: string): boolean {
  return TYPESCRIPT.test(path) && !/\.d\.[mc]?ts$/i.test(path);
}

interface ProcessTypeScriptState {
  /** The probe's answer, once asked. */
  probe?: Promise<boolean>;
  /** Set once tsx's hooks are registered (or registering failed). */
  registration?: Promise<void>;
}

const STATE_KEY = Symbol.for('flowy-swf.typescript-loader');

/**
 * Whether TypeScript loads and whether tsx was registered is a fact about the process, not about one
 * copy of flowy-swf: kept on `globalThis` so two copies register tsx's hooks once.
 */
function processState(): ProcessTypeScriptState {
  const holder = globalThis as { [STATE_KEY]?: ProcessTypeScriptState };
  holder[STATE_KEY] ??= {};
  return holder[STATE_KEY];
}

/**
 * Writes a tiny TypeScript module with a class decorator and imports it. Plain Node 20 refuses the
 * extension; Node's own type stripping refuses the decorator; tsx, vitest and ts-node load it.
 */
async function probeTypeScript(importModule: (url: string) => Promise<unknown>): Promise<boolean> {
  const dir = await mkdtemp(join(tmpdir(), 'flowy-swf-ts-probe-'));
  const file = join(dir, 'probe.mts');
  try {
    await writeFile(
      file,
      'function keep<T>(target: T, _context?: unknown): T { return target; }\n' +
        '@keep\nclass Probe {}\n' +
        "export const ok: boolean = typeof Probe === 'function';\n",
    );
    const loaded = (await importModule(pathToFileURL(file).href)) as { ok?: unknown };
    return loaded.ok === true;
  } catch {
    return false;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** @internal What `scan` uses by default: real `import()`, the probe above, and tsx's `register()`. */
export const nodeLoaderHooks: LoaderHooks = {
  importModule: (url) => import(url),
  canImportTypeScript() {
    const state = processState();
    state.probe ??= probeTypeScript((url) => import(url));
    return state.probe;
  },
  registerTypeScript() {
    const state = processState();
    // Both hooks: in a `"type": "commonjs"` project (what `npm init -y` writes) Node loads a `.ts` file
    // as CommonJS, which only tsx's require hook compiles; its `import ... from 'flowy-swf'` then
    // becomes a require() of this package's ESM entry (require(esm): Node 20.19+, 22.12+).
    state.registration ??= Promise.all([import('tsx/esm/api'), import('tsx/cjs/api')]).then(([esm, cjs]) => {
      esm.register();
      cjs.register();
    });
    return state.registration;
  },
};

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/**
 * @internal Imports modules by path. Before the first TypeScript file it makes sure TypeScript loads,
 * registering tsx when the process cannot do it on its own; an import that still fails with
 * `ERR_UNKNOWN_FILE_EXTENSION` registers tsx and is retried once under a fresh URL (Node remembers
 * the failed one).
 */
export class ModuleLoader {
  #typeScriptReady: Promise<void> | undefined;
  #registered = false;

  constructor(
    private readonly hooks: LoaderHooks = nodeLoaderHooks,
    private readonly logger?: ScanLogger,
  ) {}

  async load(path: string): Promise<unknown> {
    const typeScript = isTypeScriptPath(path);
    if (typeScript) await this.#ensureTypeScript();
    const url = pathToFileURL(path).href;
    try {
      return await this.hooks.importModule(url);
    } catch (error) {
      if (errorCode(error) !== 'ERR_UNKNOWN_FILE_EXTENSION' || this.#registered) throw error;
      this.logger?.debug({ path }, 'import failed with ERR_UNKNOWN_FILE_EXTENSION: registering tsx and retrying');
      await this.#register();
      return await this.hooks.importModule(`${url}?flowy-swf-retry=tsx`);
    }
  }

  #ensureTypeScript(): Promise<void> {
    this.#typeScriptReady ??= (async () => {
      if (await this.hooks.canImportTypeScript()) {
        this.logger?.debug({}, 'this process imports TypeScript already');
        return;
      }
      await this.#register();
    })();
    return this.#typeScriptReady;
  }

  async #register(): Promise<void> {
    this.#registered = true;
    try {
      await this.hooks.registerTypeScript();
    } catch (error) {
      throw new Error(
        `cannot import TypeScript: registering tsx failed (${String(error)}); install tsx, run under a TypeScript ` +
          'loader (tsx, ts-node), or compile the activities to JavaScript and scan those',
        { cause: error },
      );
    }
    this.logger?.debug({}, 'registered tsx to import TypeScript');
  }
}

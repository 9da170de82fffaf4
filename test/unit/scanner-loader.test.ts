import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isTypeScriptPath, ModuleLoader, nodeLoaderHooks, type LoaderHooks } from '../../src/scanner/loader.js';

/** Hooks that record what the loader asked for; `importModule` answers with `answer`. */
function fakeHooks(options: {
  canImportTypeScript: boolean;
  answer?: (url: string, registered: boolean) => unknown;
  registerFails?: boolean;
}) {
  const calls: string[] = [];
  let registered = false;
  const hooks: LoaderHooks = {
    async importModule(url) {
      calls.push(`import ${url}`);
      return options.answer ? options.answer(url, registered) : { url };
    },
    async canImportTypeScript() {
      calls.push('probe');
      return options.canImportTypeScript;
    },
    async registerTypeScript() {
      calls.push('register');
      if (options.registerFails) throw new Error('Cannot find package tsx');
      registered = true;
    },
  };
  return { hooks, calls };
}

function unknownExtension(url: string): Error {
  return Object.assign(new TypeError(`Unknown file extension ".ts" for ${url}`), { code: 'ERR_UNKNOWN_FILE_EXTENSION' });
}

const url = (path: string): string => pathToFileURL(path).href;

describe('ModuleLoader', () => {
  it('imports JavaScript without asking whether TypeScript loads', async () => {
    const { hooks, calls } = fakeHooks({ canImportTypeScript: false });
    const loader = new ModuleLoader(hooks);
    await loader.load('/app/a.js');
    await loader.load('/app/b.mjs');
    expect(calls).toEqual([`import ${url('/app/a.js')}`, `import ${url('/app/b.mjs')}`]);
  });

  it('registers tsx once, before the first TypeScript module, when the process cannot import TypeScript', async () => {
    const { hooks, calls } = fakeHooks({ canImportTypeScript: false });
    const loader = new ModuleLoader(hooks);
    await loader.load('/app/a.js');
    await loader.load('/app/b.ts');
    await loader.load('/app/c.mts');
    expect(calls).toEqual([
      `import ${url('/app/a.js')}`,
      'probe',
      'register',
      `import ${url('/app/b.ts')}`,
      `import ${url('/app/c.mts')}`,
    ]);
  });

  it('leaves a process that imports TypeScript already (tsx, vitest) alone', async () => {
    const { hooks, calls } = fakeHooks({ canImportTypeScript: true });
    const loader = new ModuleLoader(hooks);
    await loader.load('/app/b.ts');
    await loader.load('/app/c.cts');
    expect(calls).toEqual(['probe', `import ${url('/app/b.ts')}`, `import ${url('/app/c.cts')}`]);
  });

  it('registers tsx and retries under a fresh URL when an import still fails with ERR_UNKNOWN_FILE_EXTENSION', async () => {
    const { hooks, calls } = fakeHooks({
      canImportTypeScript: true,
      answer: (u, registered) => {
        if (!registered) throw unknownExtension(u);
        return { ok: u };
      },
    });
    const loader = new ModuleLoader(hooks);
    await expect(loader.load('/app/b.ts')).resolves.toEqual({ ok: `${url('/app/b.ts')}?flowy-swf-retry=tsx` });
    // Node remembers a failed URL, so the retry must use another one.
    expect(calls).toEqual(['probe', `import ${url('/app/b.ts')}`, 'register', `import ${url('/app/b.ts')}?flowy-swf-retry=tsx`]);
  });

  it('does not retry other errors, nor retry twice', async () => {
    const boom = new Error('boom');
    const { hooks, calls } = fakeHooks({
      canImportTypeScript: false,
      answer: (u) => {
        if (u.endsWith('b.js')) throw boom;
        throw unknownExtension(u);
      },
    });
    const loader = new ModuleLoader(hooks);
    await expect(loader.load('/app/b.js')).rejects.toBe(boom);
    await expect(loader.load('/app/c.ts')).rejects.toMatchObject({ code: 'ERR_UNKNOWN_FILE_EXTENSION' });
    expect(calls.filter((c) => c === 'register')).toHaveLength(1);
  });

  it('says what to do when tsx cannot be registered', async () => {
    const { hooks } = fakeHooks({ canImportTypeScript: false, registerFails: true });
    const loader = new ModuleLoader(hooks);
    const error = (await loader.load('/app/b.ts').catch((e: unknown) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toMatch(/cannot import TypeScript: registering tsx failed \(Error: Cannot find package tsx\)/);
    expect(error.message).toMatch(/install tsx, run under a TypeScript loader .* or compile the activities to JavaScript/);
    expect(error.cause).toBeInstanceOf(Error);
  });
});

describe('nodeLoaderHooks', () => {
  it('finds that vitest imports TypeScript with decorators, so scan under vitest registers nothing', async () => {
    await expect(nodeLoaderHooks.canImportTypeScript()).resolves.toBe(true);
  });
});

describe('isTypeScriptPath', () => {
  it('knows TypeScript extensions, and that declarations are not modules to run', () => {
    expect(['a.ts', 'a.mts', 'a.cts', 'A.TS', 'a.tsx'].map(isTypeScriptPath)).toEqual([true, true, true, true, true]);
    expect(['a.js', 'a.mjs', 'a.cjs', 'a.d.ts', 'a.ts.js'].map(isTypeScriptPath)).toEqual([false, false, false, false, false]);
  });
});

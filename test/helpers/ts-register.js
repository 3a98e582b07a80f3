/**
 * Lets a plain `node -r ./test/helpers/ts-register.js file.ts` child process run the
 * project's TypeScript: each .ts file is transpiled on require, the same per-file way
 * ts-jest does with isolatedModules. No type checking (tsc does that). Output is kept in a
 * temp folder keyed by the source's hash: transpiling the module graph took ~6 s of CPU
 * per process, which dominates a test that starts several processes.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const ts = require('typescript');

const compilerOptions = {
  module: ts.ModuleKind.CommonJS,
  target: ts.ScriptTarget.ES2022,
  experimentalDecorators: true,
  emitDecoratorMetadata: true,
  esModuleInterop: true,
  inlineSourceMap: true,
};
const cacheDir = path.join(os.tmpdir(), `ideagraph-ts-register-${ts.version}`);
fs.mkdirSync(cacheDir, { recursive: true });

function transpile(source, filename) {
  const hash = crypto.createHash('sha256').update(filename).update('\0').update(source).digest('hex');
  const cached = path.join(cacheDir, `${hash}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    const { outputText } = ts.transpileModule(source, { compilerOptions, fileName: filename });
    // Write then rename, so a process running in parallel never reads half a file.
    const partial = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(partial, outputText);
    fs.renameSync(partial, cached);
    return outputText;
  }
}

require.extensions['.ts'] = (module, filename) => {
  module._compile(transpile(fs.readFileSync(filename, 'utf8'), filename), filename);
};

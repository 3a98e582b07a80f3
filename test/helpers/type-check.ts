import { join, resolve } from 'node:path';
import * as ts from 'typescript';

const PROJECT = resolve(__dirname, '../..');

/**
 * Type-checks `code` as if it were a file in `test/<folder>/` (so `../../src` imports the
 * module), with the project's compiler options, and returns the error messages of that file
 * only. For tests of what the public types accept and refuse.
 */
export function typeErrors(code: string, folder = 'test/types'): string[] {
  const configPath = join(PROJECT, 'tsconfig.spec.json');
  const config = ts.getParsedCommandLineOfConfigFile(
    configPath,
    {},
    { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => undefined },
  )!;
  const fileName = join(PROJECT, folder, '__snippet__.ts');
  const host = ts.createCompilerHost(config.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (name, language, onError) =>
    resolve(name) === fileName
      ? ts.createSourceFile(name, code, language, true)
      : getSourceFile(name, language, onError);
  const fileExists = host.fileExists.bind(host);
  host.fileExists = (name) => resolve(name) === fileName || fileExists(name);
  const program = ts.createProgram({ rootNames: [fileName], options: { ...config.options, noEmit: true }, host });
  const source = program.getSourceFile(fileName)!;
  return [...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source)].map((diagnostic) =>
    ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
  );
}

/**
 * Every ```ts block of README.md and docs/*.md must be valid TypeScript, and the ones that are complete
 * programs must typecheck against the sources, as a user would compile them: `ferris` and `ferris/testing`
 * resolve to `src/` through the `paths` of tsconfig.json, with the same strict options.
 *
 * - Every block is parsed (syntax errors fail it).
 * - Every block is then typechecked in one program, each block a module of its own. A README block that uses
 *   undeclared placeholders (`urls`, `processItem`...) only has to parse: the README's snippets are sketches.
 *   The guides under docs/ declare their placeholders (`declare function fetchUser(...)`), so each of their
 *   blocks must typecheck, unless the line before its fence is `<!-- snippet: parse-only -->`.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

interface Block {
  /** The markdown file, relative to the repository root. */
  file: string;
  /** 1-based line of the block's first code line in the markdown file. */
  line: number;
  code: string;
  parseOnly: boolean;
  /** Where the block lives in the in-memory program. */
  virtualPath: string;
}

const FENCE_OPEN = /^(\s*)```(ts|typescript)\s*$/;
const FENCE_CLOSE = /^\s*```\s*$/;
const PARSE_ONLY = '<!-- snippet: parse-only -->';

function extractBlocks(file: string): Block[] {
  const lines = readFileSync(join(root, file), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE_OPEN.exec(lines[i]!);
    if (open === null) continue;
    const indent = open[1]!.length;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !FENCE_CLOSE.test(lines[end]!)) end++;
    const code = lines
      .slice(start, end)
      .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
      .join('\n');
    const slug = file.replace(/[^A-Za-z0-9]+/g, '_');
    blocks.push({
      file,
      line: start + 1,
      code,
      parseOnly: lines[i - 1]?.trim() === PARSE_ONLY,
      // `.mts`: an ES module whatever the package.json says, so top-level await and `await using` are allowed.
      virtualPath: join(root, 'test', 'docs', '.snippets', `${slug}_L${start + 1}.mts`),
    });
    i = end;
  }
  return blocks;
}

const docsFiles = readdirSync(join(root, 'docs'))
  .filter((name) => name.endsWith('.md'))
  .sort()
  .map((name) => `docs/${name}`);
const files = ['README.md', ...docsFiles];
const blocks = files.flatMap(extractBlocks);

/** Line-numbered messages, pointing into the markdown file. */
function describeDiagnostics(block: Block, diagnostics: readonly ts.Diagnostic[]): string[] {
  return diagnostics.map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (d.file === undefined || d.start === undefined) return `${block.file}: TS${d.code} ${text}`;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
    return `${block.file}:${block.line + line}:${character + 1} TS${d.code} ${text}`;
  });
}

/** "Cannot find name" and its variants: the block uses a placeholder it does not declare. */
const UNDECLARED = new Set([2304, 2552, 2582, 18004]);

let program: ts.Program | undefined;

/** One program for every block (built on first use: loading the libs once is most of the cost). */
function getProgram(): ts.Program {
  if (program !== undefined) return program;
  const configPath = join(root, 'tsconfig.json');
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  if (config.error !== undefined)
    throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, '\n'));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root, undefined, configPath);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    declaration: false,
    sourceMap: false,
  };
  // `export {}` keeps a block without imports a module, so blocks never share a global scope.
  const sources = new Map(blocks.map((b) => [b.virtualPath, `${b.code}\nexport {};\n`]));
  const host = ts.createCompilerHost(options, true);
  const { getSourceFile, fileExists, readFile } = host;
  host.fileExists = (path) => sources.has(path) || fileExists.call(host, path);
  host.readFile = (path) => sources.get(path) ?? readFile.call(host, path);
  host.getSourceFile = (path, language, onError, shouldCreate) => {
    const text = sources.get(path);
    if (text !== undefined) return ts.createSourceFile(path, text, language, true);
    return getSourceFile.call(host, path, language, onError, shouldCreate);
  };
  program = ts.createProgram([...sources.keys()], options, host);
  return program;
}

describe('documentation snippets', () => {
  it('finds ts blocks in the README and in the guides under docs/', () => {
    expect(blocks.some((b) => b.file === 'README.md')).toBe(true);
    expect(blocks.some((b) => b.file.startsWith('docs/'))).toBe(true);
  });

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))(
    'the block at %s parses as TypeScript',
    (_, b) => {
      const out = ts.transpileModule(b.code, {
        fileName: 'snippet.mts',
        reportDiagnostics: true,
        compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
      });
      expect(describeDiagnostics(b, out.diagnostics ?? [])).toEqual([]);
    },
  );

  it.each(blocks.map((b) => [`${b.file}:${b.line}`, b] as const))(
    'the block at %s typechecks against the sources when it is a complete program',
    (_, b) => {
      const p = getProgram();
      const sf = p.getSourceFile(b.virtualPath);
      expect(sf).toBeDefined();
      const diagnostics = [...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf)];
      const usesPlaceholders = diagnostics.some((d) => UNDECLARED.has(d.code));
      if (b.parseOnly || (b.file === 'README.md' && usesPlaceholders)) return;
      expect(describeDiagnostics(b, diagnostics)).toEqual([]);
    },
  );
});

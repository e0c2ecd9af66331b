/**
 * Checks the size rules of shared/STYLE.md on src/ (tests and generated files aside): no file over 450 lines, and
 * no function over 80 lines unless the comment just before it says why ("Over 80 lines on purpose: …").
 * Usage: `node scripts/check-sizes.ts [dir]` (default src); prints each breach and exits 1 when there is one.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import ts from 'typescript';

const MAX_FILE_LINES = 450;
const MAX_FUNCTION_LINES = 80;
const REASON = /over 80 lines/i;
const GENERATED = /^\/\/ Generated .*Do not edit\./;

const dir = process.argv[2] ?? 'src';
const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', dir], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'));

const breaches: string[] = [];
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  if (GENERATED.test(text)) continue;
  const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
  if (lines > MAX_FILE_LINES) breaches.push(`${file}: ${lines} lines (at most ${MAX_FILE_LINES})`);
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const lineOf = (pos: number): number => sf.getLineAndCharacterOfPosition(pos).line + 1;
  const visit = (node: ts.Node): void => {
    if (ts.isFunctionLike(node) && 'body' in node && node.body !== undefined) {
      const length = lineOf(node.getEnd()) - lineOf(node.getStart(sf)) + 1;
      if (length > MAX_FUNCTION_LINES && !REASON.test(leadingComments(node, sf))) {
        breaches.push(`${file}:${lineOf(node.getStart(sf))}: a function of ${length} lines with no "Over 80 lines on purpose: …" comment`);
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
}

/** The comments before the statement or member that holds `node` (a declaration, a `const x = () => …`). */
function leadingComments(node: ts.Node, sf: ts.SourceFile): string {
  let holder = node;
  while (!ts.isSourceFile(holder.parent) && !ts.isClassLike(holder.parent) && !ts.isBlock(holder.parent) && !ts.isObjectLiteralExpression(holder.parent)) {
    holder = holder.parent;
  }
  return sf.text.slice(holder.getFullStart(), holder.getStart(sf));
}

for (const b of breaches) process.stderr.write(`${b}\n`);
process.stdout.write(`${files.length} files checked, ${breaches.length} breaches\n`);
process.exitCode = breaches.length === 0 ? 0 : 1;

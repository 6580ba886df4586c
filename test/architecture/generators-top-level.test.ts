/**
 * Generator functions in src/ are declared once: at a module's top level or as a class's method, never inside another
 * function (or as a method of an object literal made there). Each call of the outer function would make a new
 * generator function, and V8 (Node 22) keeps the objects of everything that generator's calls reach alive through its
 * young-generation collections until a full one: see src/gateway/mapped-chunks.ts and
 * test/gateway/stream-generations.test.ts, which measures it for the streaming front doors.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

const ROOT = new URL('../../', import.meta.url).pathname;
const SRC = join(ROOT, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? sources(p) : /\.tsx?$/.test(p) ? [p] : [];
  });
}

const isFunctionLike = (n: ts.Node): boolean =>
  ts.isFunctionDeclaration(n) || ts.isFunctionExpression(n) || ts.isArrowFunction(n) || ts.isMethodDeclaration(n) || ts.isConstructorDeclaration(n) || ts.isGetAccessor(n) || ts.isSetAccessor(n);

/** The generator functions of `file` declared inside a function, as `path:line name`. */
function nestedGenerators(file: string, text: string): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    const generator = (ts.isFunctionDeclaration(node) || ts.isFunctionExpression(node) || ts.isMethodDeclaration(node)) && node.asteriskToken !== undefined;
    if (generator && insideFunction(node)) {
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      found.push(`${relative(ROOT, file)}:${line} ${node.name?.getText(sf) ?? '(anonymous)'}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

/** Some function encloses `node`: it is made anew at each call of that function. */
function insideFunction(node: ts.Node): boolean {
  for (let p = node.parent; p; p = p.parent) if (isFunctionLike(p)) return true;
  return false;
}

test('no generator function in src/ is declared inside another function', () => {
  const found = sources(SRC).flatMap((file) => nestedGenerators(file, readFileSync(file, 'utf8')));
  assert.deepEqual(found, [], `generator functions declared inside a function:\n${found.join('\n')}`);
});

test('the check finds a generator declared in a function, an object literal or a class made there, and nothing else', () => {
  const sample = `
    export async function* top() { yield 1; }
    function* alsoTop() { yield 2; }
    class K { *items() { yield 3; } async *more() { yield 4; } }
    export function perCall(xs: number[]) {
      async function* inner() { yield* xs; }
      const expr = function* () { yield 5; };
      const literal = { *[Symbol.iterator]() { yield 6; } };
      class Local { *each() { yield 7; } }
      const arrow = () => { function* deep() { yield 8; } return deep; };
      return [inner, expr, literal, Local, arrow];
    }
    class Outer { method() { function* hidden() { yield 9; } return hidden; } }
  `;
  const names = nestedGenerators(join(SRC, 'sample.ts'), sample).map((f) => f.replace(/^src\/sample\.ts:\d+ /, ''));
  assert.deepEqual(names, ['inner', '(anonymous)', '[Symbol.iterator]', 'each', 'deep', 'hidden']);
});

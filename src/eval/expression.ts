/**
 * A tiny, safe arithmetic language for templated items: the `answer` expression and the `conditions` a resampled
 * variant must meet (GSM-Symbolic's `#answer:` and `#conditions:`). Parsed once into a closure tree; no `eval`, no
 * property access, only numbers, the variables of the item and the functions below.
 *
 *   answer: "a * p - d"            conditions: ["is_int(total / n)", "a > b and b >= 2"]
 *
 * Operators by precedence (low → high): `or ||`, `and &&`, `not !`, comparisons `== != < <= > >=`, `+ -`,
 * `* / // %` (`//` floors), unary `- +`, `**` (right-associative). Comparisons and logic yield 1 or 0.
 */
import { EvalError } from './eval-error.js';

export type Scope = Readonly<Record<string, number>>;

export interface Expression {
  readonly source: string;
  /** Every variable the expression reads. */
  readonly variables: ReadonlySet<string>;
  evaluate(scope: Scope): number;
}

type Node = (scope: Scope) => number;

const FUNCTIONS: Record<string, { arity: [number, number]; fn: (...xs: number[]) => number }> = {
  abs: { arity: [1, 1], fn: Math.abs },
  floor: { arity: [1, 1], fn: Math.floor },
  ceil: { arity: [1, 1], fn: Math.ceil },
  sqrt: { arity: [1, 1], fn: Math.sqrt },
  min: { arity: [1, 16], fn: Math.min },
  max: { arity: [1, 16], fn: Math.max },
  round: { arity: [1, 2], fn: (x, d = 0) => Math.round(x * 10 ** d) / 10 ** d },
  is_int: { arity: [1, 1], fn: (x) => (Number.isFinite(x) && Math.abs(x - Math.round(x)) < 1e-9 ? 1 : 0) },
  gcd: { arity: [2, 2], fn: gcd },
};

const TOKEN = /\s*(?:(\d+(?:\.\d+)?|\.\d+)|([A-Za-z_][A-Za-z0-9_]*)|(\*\*|\/\/|==|!=|<=|>=|&&|\|\||[-+*/%()<>!,]))/y;

export function compileExpression(source: string): Expression {
  const tokens = tokenize(source);
  const variables = new Set<string>();
  let pos = 0;
  const peek = () => tokens[pos];
  const take = () => tokens[pos++];
  const fail = (why: string): never => {
    throw new EvalError(`expression "${source}": ${why}`);
  };
  const accept = (...ops: string[]): string | null => {
    const t = peek();
    return t !== undefined && ops.includes(t) ? (take() as string) : null;
  };

  const binary = (next: () => Node, ops: string[], apply: (op: string, l: Node, r: Node) => Node) => (): Node => {
    let left = next();
    for (let op = accept(...ops); op; op = accept(...ops)) left = apply(op, left, next());
    return left;
  };
  const orExpr = (): Node => binary(andExpr, ['or', '||'], (_op, l, r) => (s) => (l(s) !== 0 || r(s) !== 0 ? 1 : 0))();
  const andExpr = (): Node => binary(notExpr, ['and', '&&'], (_op, l, r) => (s) => (l(s) !== 0 && r(s) !== 0 ? 1 : 0))();
  const notExpr = (): Node => {
    if (accept('not', '!')) {
      const inner = notExpr();
      return (s) => (inner(s) === 0 ? 1 : 0);
    }
    return comparison();
  };
  const comparison = (): Node => {
    const left = additive();
    const op = accept('==', '!=', '<', '<=', '>', '>=');
    if (!op) return left;
    const right = additive();
    const cmp: Record<string, (a: number, b: number) => boolean> = {
      '==': (a, b) => Math.abs(a - b) < 1e-9,
      '!=': (a, b) => Math.abs(a - b) >= 1e-9,
      '<': (a, b) => a < b,
      '<=': (a, b) => a <= b,
      '>': (a, b) => a > b,
      '>=': (a, b) => a >= b,
    };
    const f = cmp[op]!;
    return (s) => (f(left(s), right(s)) ? 1 : 0);
  };
  const additive = (): Node => binary(multiplicative, ['+', '-'], (op, l, r) => (op === '+' ? (s) => l(s) + r(s) : (s) => l(s) - r(s)))();
  const multiplicative = (): Node =>
    binary(unary, ['*', '/', '//', '%'], (op, l, r) => {
      if (op === '*') return (s) => l(s) * r(s);
      if (op === '/') return (s) => l(s) / r(s);
      if (op === '//') return (s) => Math.floor(l(s) / r(s));
      return (s) => {
        const b = r(s);
        return ((l(s) % b) + b) % b; // Python's sign convention, like the rest of GSM-style templates
      };
    })();
  const unary = (): Node => {
    const op = accept('-', '+');
    if (!op) return power();
    const inner = unary();
    return op === '-' ? (s) => -inner(s) : inner;
  };
  const power = (): Node => {
    const base = primary();
    if (!accept('**')) return base;
    const exp = unary();
    return (s) => base(s) ** exp(s);
  };
  const primary = (): Node => {
    const t = take();
    if (t === undefined) return fail('unexpected end');
    if (t === '(') {
      const inner = orExpr();
      if (!accept(')')) fail('missing ")"');
      return inner;
    }
    if (/^(\d|\.)/.test(t)) {
      const v = Number(t);
      return () => v;
    }
    if (/^[A-Za-z_]/.test(t) && !['and', 'or', 'not'].includes(t)) {
      if (accept('(')) return call(t);
      variables.add(t);
      return (s) => {
        const v = s[t];
        if (v === undefined) throw new EvalError(`expression "${source}": unknown variable "${t}"`);
        return v;
      };
    }
    return fail(`unexpected "${t}"`);
  };
  const call = (name: string): Node => {
    const f = FUNCTIONS[name];
    if (!f) return fail(`unknown function "${name}" (known: ${Object.keys(FUNCTIONS).join(', ')})`);
    const args: Node[] = [];
    if (!accept(')')) {
      do args.push(orExpr());
      while (accept(','));
      if (!accept(')')) fail(`missing ")" after the arguments of ${name}`);
    }
    if (args.length < f.arity[0] || args.length > f.arity[1]) fail(`${name} takes ${f.arity.join('–')} arguments, got ${args.length}`);
    return (s) => f.fn(...args.map((a) => a(s)));
  };

  const root = orExpr();
  if (pos !== tokens.length) fail(`unexpected "${tokens[pos]}"`);
  return { source, variables, evaluate: root };
}

function tokenize(source: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < source.length) {
    if (/^\s*$/.test(source.slice(at))) break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(source);
    if (!m) throw new EvalError(`expression "${source}": cannot read "${source.slice(at).trim().slice(0, 10)}"`);
    out.push((m[1] ?? m[2] ?? m[3])!);
    at = TOKEN.lastIndex;
  }
  return out;
}

function gcd(a: number, b: number): number {
  a = Math.abs(Math.round(a));
  b = Math.abs(Math.round(b));
  while (b) [a, b] = [b, a % b];
  return a;
}

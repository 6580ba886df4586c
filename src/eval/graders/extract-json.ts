/**
 * The JSON value in an answer: the whole answer, else the first fenced ```json block, else the first balanced
 * {…} or […] in the text. `undefined` when there is none (JSON `null` is a value).
 */
export function extractJson(text: string): unknown {
  const attempts: string[] = [text.trim()];
  const fence = /```(?:json|JSON)?\s*\n?([\s\S]*?)```/.exec(text);
  if (fence) attempts.push(fence[1]!.trim());
  const balanced = firstBalanced(text);
  if (balanced) attempts.push(balanced);
  for (const a of attempts) {
    try {
      return JSON.parse(a) as unknown;
    } catch {
      // try the next candidate
    }
  }
  return undefined;
}

function firstBalanced(text: string): string | null {
  const start = text.search(/[{[]/);
  if (start < 0) return null;
  const stack: string[] = [];
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === '{' || c === '[') stack.push(c === '{' ? '}' : ']');
    else if (c === '}' || c === ']') {
      if (stack.pop() !== c) return null;
      if (stack.length === 0) return text.slice(start, i + 1);
    }
  }
  return null;
}

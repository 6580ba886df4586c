/**
 * When does the Bradley–Terry MLE exist? Zermelo (1929) and Ford (1957): exactly when the "scored against" digraph
 * (an edge i → j whenever i earned any win credit against j, a tie giving both directions) is strongly connected.
 * Otherwise some group never lost to the rest and its ratings run off to infinity; FastChat's L-BFGS then stops at an
 * arbitrary large number after 100 iterations. Saima instead rates the largest strongly connected group and reports
 * the others as unrated.
 */

/**
 * Strongly connected components (Kosaraju, iterative) of a digraph on nodes `0 … m−1` given as a pair list:
 * edge `p[k] → q[k]` when `forward[k] > 0` and `q[k] → p[k]` when `backward[k] > 0`. Returns a component id per node.
 */
export function strongComponents(
  m: number, p: Int32Array, q: Int32Array, forward: Float64Array, backward: Float64Array,
): Int32Array {
  const out = csr(m, p, q, forward, backward);
  const into = csr(m, q, p, forward, backward);
  // Pass 1: DFS finish order on the graph.
  const order = new Int32Array(m);
  let done = 0;
  const seen = new Uint8Array(m);
  const stack = new Int32Array(m);
  const cursor = new Int32Array(m);
  for (let root = 0; root < m; root++) {
    if (seen[root]) continue;
    let top = 0;
    stack[0] = root; seen[root] = 1; cursor[root] = out.start[root]!;
    while (top >= 0) {
      const v = stack[top]!;
      const c = cursor[v]!;
      if (c < out.start[v + 1]!) {
        cursor[v] = c + 1;
        const w = out.adj[c]!;
        if (!seen[w]) { seen[w] = 1; cursor[w] = out.start[w]!; stack[++top] = w; }
      } else {
        order[done++] = v;
        top--;
      }
    }
  }
  // Pass 2: DFS on the transposed graph in reverse finish order; each tree is one component.
  const comp = new Int32Array(m).fill(-1);
  let count = 0;
  for (let k = m - 1; k >= 0; k--) {
    const root = order[k]!;
    if (comp[root]! >= 0) continue;
    let top = 0;
    stack[0] = root; comp[root] = count;
    while (top >= 0) {
      const v = stack[top--]!;
      for (let e = into.start[v]!; e < into.start[v + 1]!; e++) {
        const w = into.adj[e]!;
        if (comp[w]! < 0) { comp[w] = count; stack[++top] = w; }
      }
    }
    count++;
  }
  return comp;
}

/** True when every node reaches every other (one component, or m ≤ 1). */
export function isStronglyConnected(m: number, p: Int32Array, q: Int32Array, forward: Float64Array, backward: Float64Array): boolean {
  const comp = strongComponents(m, p, q, forward, backward);
  return comp.every((c) => c === comp[0]);
}

/** Compressed adjacency: neighbours of v are `adj[start[v] … start[v+1]−1]`. */
function csr(m: number, p: Int32Array, q: Int32Array, forward: Float64Array, backward: Float64Array) {
  const start = new Int32Array(m + 1);
  for (let k = 0; k < p.length; k++) {
    if (forward[k]! > 0) bump(start, p[k]! + 1);
    if (backward[k]! > 0) bump(start, q[k]! + 1);
  }
  for (let v = 0; v < m; v++) start[v + 1] = start[v + 1]! + start[v]!;
  const fill = start.slice(0, m);
  const adj = new Int32Array(start[m]!);
  for (let k = 0; k < p.length; k++) {
    const a = p[k]!;
    const b = q[k]!;
    if (forward[k]! > 0) adj[bump(fill, a)] = b;
    if (backward[k]! > 0) adj[bump(fill, b)] = a;
  }
  return { start, adj };
}

/** `xs[at]++`, returning the old value. */
function bump(xs: Int32Array, at: number): number {
  const old = xs[at]!;
  xs[at] = old + 1;
  return old;
}

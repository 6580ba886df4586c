export function EvalRunPage({ id }: { id: string }) {
  return <p>{id}</p>;
}

export function EvalsPage() {
  return <p>TODO</p>;
}

export function ArenaPage() {
  return <p>TODO</p>;
}

export function LeaderboardPage() {
  return <p>TODO</p>;
}

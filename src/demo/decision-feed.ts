/**
 * Follows the race's decision log through the gateway's admin API and hands each new decision over once, oldest
 * first, so the demo can print the monitor's decisions as they happen.
 */
export interface FeedDecision {
  id: string;
  ts: number;
  action: string;
  contender: string | null;
  reason: string | null;
  actor: string | null;
}

export function followDecisions(baseUrl: string, race: string, everyMs: number, onDecision: (d: FeedDecision) => void): { stop(): void } {
  const seen = new Set<string>();
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const poll = async () => {
    try {
      const res = await fetch(`${baseUrl}/admin/races/${encodeURIComponent(race)}/decisions`);
      if (res.ok) {
        const body = (await res.json()) as { data: FeedDecision[] };
        for (const d of [...body.data].sort((a, b) => a.ts - b.ts)) {
          if (seen.has(d.id)) continue;
          seen.add(d.id);
          onDecision(d);
        }
      }
    } catch {
      // The gateway is shutting down; the next poll (if any) will tell.
    }
    if (!stopped) timer = setTimeout(poll, everyMs);
  };
  void poll();
  return {
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

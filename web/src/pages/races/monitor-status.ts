/**
 * Reads the race monitor's status (the `monitor` field of GET /admin/races/:name) into small labelled chips per
 * contender. The monitor owns that shape and may grow it, so this reads it loosely: an entry per contender under
 * `challengers`/`contenders`/`arms`, with an overall status and per-metric tests under `guardrails`/`metrics`/`tests`.
 */
export type Tone = 'ok' | 'bad' | 'info';

export interface MonitorChip {
  label: string;
  tone: Tone;
  title?: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export function toneOf(text: string): Tone {
  if (/breach|broke|fail|harm|rollback|rolled|worse|significant_harm|mismatch|srm/i.test(text)) return 'bad';
  if (/pass|ok|better|win|promot|safe|holds|ramp/i.test(text)) return 'ok';
  return 'info';
}

function statusText(o: Obj): string | null {
  for (const k of ['verdict', 'status', 'state', 'decision', 'result']) {
    const v = o[k];
    if (typeof v === 'string') return v;
  }
  return null;
}

function entryFor(monitor: Obj, contender: string): Obj | null {
  for (const k of ['challengers', 'contenders', 'arms']) {
    const v = monitor[k];
    if (Array.isArray(v)) {
      const hit = v.find((e) => isObj(e) && e.contender === contender);
      if (isObj(hit)) return hit;
    } else if (isObj(v) && isObj(v[contender])) {
      return v[contender] as Obj;
    }
  }
  return null;
}

function tests(entry: Obj): Array<[string, Obj]> {
  const out: Array<[string, Obj]> = [];
  for (const k of ['guardrails', 'metrics', 'tests', 'primary']) {
    const v = entry[k];
    if (Array.isArray(v)) {
      for (const t of v) if (isObj(t)) out.push([String(t.metric ?? t.name ?? k), t]);
    } else if (isObj(v)) {
      if (statusText(v) !== null) out.push([String(v.metric ?? k), v]);
      else for (const [name, t] of Object.entries(v)) if (isObj(t)) out.push([name, t]);
    }
  }
  return out;
}

function numbers(o: Obj): string | undefined {
  const parts: string[] = [];
  for (const k of ['estimate', 'diff', 'effect', 'lower', 'upper', 'lo', 'hi', 'p', 'pValue', 'n']) {
    const v = o[k];
    if (typeof v === 'number' && Number.isFinite(v)) parts.push(`${k} ${Number.isInteger(v) ? v : v.toPrecision(3)}`);
  }
  return parts.length ? parts.join(', ') : undefined;
}

/** null when no monitor runs; [] when it runs but says nothing about this contender yet. */
export function monitorChips(monitor: unknown, contender: string): MonitorChip[] | null {
  if (!isObj(monitor)) return null;
  const entry = entryFor(monitor, contender);
  if (!entry) return [];
  const chips: MonitorChip[] = [];
  const overall = statusText(entry);
  if (overall) chips.push({ label: overall, tone: toneOf(overall) });
  for (const [name, t] of tests(entry)) {
    const s = statusText(t) ?? '?';
    const title = numbers(t);
    chips.push({ label: `${name}: ${s}`, tone: toneOf(s), ...(title ? { title } : {}) });
  }
  return chips;
}

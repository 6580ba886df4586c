/**
 * One colour per contender on every page: a contender's colour is fixed by its place among the configured
 * contenders (`/v1/models`, in config order), not by its place in whichever chart draws it, so the same model keeps
 * the same colour on the races, spend and arena pages.
 */
import { useMemo } from 'react';
import type { List, ModelEntry } from '../api/types.js';
import { useApi } from '../api/use-api.js';
import { PALETTE } from './echarts.js';

/** The last palette entry (grey) is for names outside the list: a retired contender, a team, a source. */
const OTHER = PALETTE[PALETTE.length - 1]!;

export function contenderColors(contenders: readonly string[]): (name: string) => string {
  const colours = new Map(contenders.map((c, i) => [c, PALETTE[i % (PALETTE.length - 1)]!]));
  return (name) => colours.get(name) ?? OTHER;
}

/** The colour of each contender, from the models list (the page reloads it with the rest of its data). */
export function useContenderColors(): (name: string) => string {
  const models = useApi<List<ModelEntry>>('/v1/models');
  const names = (models.data?.data ?? []).filter((m) => m.saima?.kind === 'contender').map((m) => m.id);
  const key = names.join('\n');
  return useMemo(() => contenderColors(names), [key]);
}

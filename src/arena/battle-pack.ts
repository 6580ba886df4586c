/**
 * Battle batches across a thread boundary. A structured clone of a record costs about as much as parsing its JSON
 * line again, so lean battles (`LeanBattles`: key fields only, as a FastChat export gives them) travel as their
 * eight strings a battle in one NUL-joined text, which the receiving side splits in a single native call and hands
 * to the store as columns, without building a record. Records travel as they are.
 */
import { LEAN_FIELDS, type BattleBatch, type BattleRecord, type BattleSource, type LeanBattles } from '../store/index.js';

export type PackedBattles = { packed: string; count: number; source: BattleSource } | { records: readonly BattleRecord[] };

/** Joins lean columns; none of their strings holds a NUL (see `leanRow` in battle-records.ts). */
const SEP = '\u0000';

const isLean = (b: BattleBatch): b is LeanBattles => !Array.isArray(b);

/** A batch's runs as messages, in order. */
export function packBattles(runs: readonly BattleBatch[]): PackedBattles[] {
  return runs.map((run) => (isLean(run) ? { packed: run.fields.join(SEP), count: run.count, source: run.source } : { records: run }));
}

/** A message as the store imports it: a packed run as lean columns (one split, no record objects), else the records. */
export function unpackBattles(m: PackedBattles, race: string | null): BattleBatch {
  if ('records' in m) return m.records;
  const fields = m.packed.split(SEP);
  if (fields.length !== m.count * LEAN_FIELDS) throw new Error('a packed battle run has the wrong number of fields');
  return { race, source: m.source, count: m.count, fields };
}

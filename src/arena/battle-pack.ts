/**
 * Battle records across a thread boundary. A structured clone of a record costs about as much as parsing its JSON
 * line again, so the common record — key fields only, as a FastChat export gives them — travels as nine strings in
 * one NUL-joined text, which the receiving side splits in a single native call and hands to the store as columns
 * (`LeanBattles`), without building a record. Anything else travels as is.
 */
import { LEAN_FIELDS, type BattleBatch, type BattleRecord } from '../store/index.js';

export type PackedBattles = { packed: string; count: number } | { records: BattleRecord[] };

const SEP = '\u0000';
/** The store's lean column order: id, ts, prompt hash, contender a, contender b, winner, source, voter, language. */
const FIELDS = LEAN_FIELDS;

/** A record that the packed form carries exactly: its race is the import's, no text, style, tags or details. */
function packable(b: BattleRecord, race: string | null): boolean {
  return (
    b.race === race && b.prompt === null && b.answerA === null && b.answerB === null && b.error === null && b.team === null &&
    b.styleA === null && b.styleB === null && b.tags.length === 0 && (b.details === null || b.details === undefined) &&
    b.winner !== null && typeof b.voter === 'string' && !b.voter.includes(SEP) && !b.contenderA.includes(SEP) && !b.contenderB.includes(SEP) &&
    Number.isSafeInteger(b.ts) && (b.language === null || (b.language !== '' && !b.language.includes(SEP)))
  );
}

/** A batch as messages, in its order: runs of packable records packed, the others as records. */
export function packBattles(batch: readonly BattleRecord[], race: string | null): PackedBattles[] {
  const out: PackedBattles[] = [];
  let parts: string[] = [];
  let records: BattleRecord[] = [];
  const flushPacked = () => {
    if (parts.length) out.push({ packed: parts.join(SEP), count: parts.length / FIELDS });
    parts = [];
  };
  const flushRecords = () => {
    if (records.length) out.push({ records });
    records = [];
  };
  for (const b of batch) {
    if (packable(b, race)) {
      flushRecords();
      parts.push(b.id, String(b.ts), b.promptHash, b.contenderA, b.contenderB, b.winner!, b.source, b.voter!, b.language ?? '');
    } else {
      flushPacked();
      records.push(b);
    }
  }
  flushPacked();
  flushRecords();
  return out;
}

/** A message as the store imports it: a packed run as lean columns (one split, no record objects), else the records. */
export function unpackBattles(m: PackedBattles, race: string | null): BattleBatch {
  if ('records' in m) return m.records;
  return { race, count: m.count, fields: m.packed.split(SEP) };
}

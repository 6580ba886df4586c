/**
 * The JSON text of an admission journal entry (admission-file.ts), written once per budgeted call. Entries of one
 * gateway differ in four numbers and an id; the rest (team, key, race, contender, model, currency, owner, door)
 * repeats from call to call, so its text is kept for the last few such sets of fields and reused while every one
 * of them is the same. `JSON.stringify` of the whole entry measured ~1.1 µs, this ~0.2 µs. The text parses to
 * exactly what `JSON.stringify(entry)` does (a property test holds it to that); only the order of the keys differs.
 */
import type { AdmissionsTable } from './schema.js';

/** The fields written fresh for every entry; the others' text is kept. */
type PerCall = 'id' | 'ts' | 'expires_at' | 'reserved_nanos';
/** Every other field of the table, required here: a field added to the table and not to `restOf` does not compile. */
type Rest = { [K in Exclude<keyof AdmissionsTable, PerCall>]-?: AdmissionsTable[K] };

/** The fields besides the per-call ones, in one fixed shape. */
function restOf(e: AdmissionsTable): Rest {
  return {
    team: e.team,
    key_id: e.key_id,
    race: e.race,
    contender: e.contender,
    upstream_model: e.upstream_model,
    currency: e.currency,
    owner: e.owner,
    state: e.state,
    source: e.source,
    settled_nanos: e.settled_nanos,
    protocol: e.protocol,
  };
}

/**
 * Written out rather than looped over the keys (a keyed read per field measured twice the cost of the whole entry's
 * text); test/store/admission-line.test.ts changes each column of the admissions table alone, so a field missing
 * here fails there.
 */
function sameRest(a: Rest, b: AdmissionsTable): boolean {
  return (
    a.team === b.team &&
    a.key_id === b.key_id &&
    a.race === b.race &&
    a.contender === b.contender &&
    a.upstream_model === b.upstream_model &&
    a.currency === b.currency &&
    a.owner === b.owner &&
    a.state === b.state &&
    a.source === b.source &&
    a.settled_nanos === b.settled_nanos &&
    a.protocol === b.protocol
  );
}

/** Recent entries' texts kept: a race's arms and a few keys take turns, so the previous entry alone often differs. */
const KEPT = 8;

export class AdmissionLines {
  /** Copies of recent entries' other fields (a caller may reuse its objects), each with its text. */
  readonly #kept: Array<{ fields: Rest; rest: string }> = [];
  #next = 0;

  /** The entry as one JSON object (no newline). */
  text(e: AdmissionsTable): string {
    // A number JSON would write as null (NaN, ∞) or a value of another type: the whole entry the slow way.
    if (typeof e.id !== 'string' || !Number.isFinite(e.ts) || !Number.isFinite(e.expires_at) || !Number.isFinite(e.reserved_nanos)) return JSON.stringify(e);
    return `{"id":${JSON.stringify(e.id)},"ts":${e.ts},"expires_at":${e.expires_at},"reserved_nanos":${e.reserved_nanos}${this.#rest(e)}`;
  }

  /** `,"team":…}` (or `}` when every other field is undefined). */
  #rest(e: AdmissionsTable): string {
    for (const k of this.#kept) if (sameRest(k.fields, e)) return k.rest;
    const fields = restOf(e);
    const json = JSON.stringify(fields);
    const rest = json === '{}' ? '}' : `,${json.slice(1)}`;
    this.#kept[this.#next] = { fields, rest };
    this.#next = (this.#next + 1) % KEPT;
    return rest;
  }
}

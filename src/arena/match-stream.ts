/**
 * A blind match streamed as it is written: both contenders are asked at once (streamed), their answer pieces are
 * forwarded as events labelled only by side, and the match is stored once both sides have ended. The events carry
 * no contender name, model id, usage or upstream error text: a side's failure is reported by a generic error so the
 * other side goes on. If the voter leaves, both calls are aborted, their rows still logged, and no match is stored.
 */
import { SaimaError } from '../gateway/errors.js';
import type { ArenaDeps, Caller } from './arena-deps.js';
import { callContender, type SpendGuard } from './contender-call.js';
import { newMatchId, openMatch, storeMatch, type MatchRequest } from './match.js';
import type { PairingStats } from './pairing-stats.js';

export type Side = 'a' | 'b';

export type MatchStreamEvent =
  | { type: 'match.created'; id: string; object: 'arena.match'; race: string; sides: [Side, Side] }
  | { type: 'answer.delta'; side: Side; delta: string }
  | { type: 'answer.done'; side: Side; finish_reason: string | null }
  | { type: 'answer.error'; side: Side; error: { code: 'upstream_error'; message: string } }
  | { type: 'match.stored'; id: string };

export interface StreamedMatch {
  id: string;
  /** Asks both sides, emitting events as they come; resolves after the last event (or after an abort). */
  run(emit: (event: MatchStreamEvent) => void, signal: AbortSignal): Promise<void>;
}

const SIDES: [Side, Side] = ['a', 'b'];
const SIDE_FAILED = 'This answer could not be finished.';

/** Chooses and admits the match now (so a refusal is still an ordinary error answer); streaming starts with `run`. */
export async function startStreamedMatch(
  deps: ArenaDeps,
  stats: (race: string) => Promise<PairingStats>,
  req: MatchRequest,
  caller: Caller & { guard?: SpendGuard },
): Promise<StreamedMatch> {
  const opened = await openMatch(deps, stats, req, caller);
  const id = newMatchId();
  return {
    id,
    async run(emit, signal) {
      emit({ type: 'match.created', id, object: 'arena.match', race: opened.race.name, sides: SIDES });
      const answers: [string, string] = ['', ''];
      await Promise.all(
        opened.names.map(async (name, i) => {
          const side = SIDES[i]!;
          const onText = (delta: string) => {
            answers[i] += delta;
            if (!signal.aborted) emit({ type: 'answer.delta', side, delta });
          };
          const settle = opened.settles[i];
          let done: MatchStreamEvent;
          try {
            const r = await callContender(deps, name, req.messages, { ...opened.meta, ...(settle ? { settle } : {}), onText, signal });
            done = r.ok ? { type: 'answer.done', side, finish_reason: r.row.finishReason } : { type: 'answer.error', side, error: { code: 'upstream_error', message: SIDE_FAILED } };
          } catch (e) {
            if (!(e instanceof SaimaError)) throw e;
            done = { type: 'answer.error', side, error: { code: 'upstream_error', message: SIDE_FAILED } };
          }
          if (!signal.aborted) emit(done);
        }),
      );
      if (signal.aborted) return;
      // The voter saw both sides end, a failed one included: the vote judges what they saw.
      await storeMatch(deps, opened, req, caller, id, answers);
      emit({ type: 'match.stored', id });
    },
  };
}

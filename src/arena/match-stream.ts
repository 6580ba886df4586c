/**
 * A blind match streamed as it is written: both contenders are asked at once (streamed), their answer pieces are
 * forwarded as events labelled only by side, and the match is stored once both sides have ended. The events carry
 * no contender name, model id, usage or upstream error text: a side's failure is reported by a generic error so the
 * other side goes on. If the voter leaves, both calls are aborted, their rows still logged, and no match is stored.
 *
 * A side that broke off part-way is stored with what it wrote: the voter judges what they saw. A side that failed
 * before writing anything (an outage, a refusal) leaves nothing to judge, and a vote against it would rate uptime on
 * a quality leaderboard, so that match is discarded (`match.discarded`) — as Chatbot Arena drops battles in which a
 * model errored. Both calls' rows and spend are logged either way.
 */
import { SaimaError } from '../errors.js';
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
  | { type: 'match.stored'; id: string }
  | { type: 'match.discarded'; id: string; reason: string };

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
      const failed: [boolean, boolean] = [false, false];
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
          failed[i] = done.type === 'answer.error';
          if (!signal.aborted) emit(done);
        }),
      );
      if (signal.aborted) return;
      if (failed.some((f, i) => f && answers[i] === '')) {
        emit({ type: 'match.discarded', id, reason: 'One side could not answer at all; there is nothing to compare.' });
        return;
      }
      // The voter saw both sides end, a part-written one included: the vote judges what they saw.
      await storeMatch(deps, opened, req, caller, id, answers);
      emit({ type: 'match.stored', id });
    },
  };
}

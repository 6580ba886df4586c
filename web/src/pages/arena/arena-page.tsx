/**
 * Arena: a blind side-by-side. Type a prompt, two anonymous contenders of the race answer (both streamed in as
 * they are written), vote A, B, tie or both bad (buttons or keys 1–4) once both have ended, and only then are the
 * names revealed.
 */
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import { isUnknownRoute } from '../../api/api-error.js';
import type { BattleWinner, VoteResult } from '../../api/arena-types.js';
import { useApi } from '../../api/use-api.js';
import type { List, ModelEntry } from '../../api/types.js';
import { EmptyState, ErrorBanner } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { useClient } from '../../session/session-context.js';
import { ArenaAnswer } from './arena-answer.js';
import { castVote, streamMatch } from './arena-client.js';
import { applyMatchEvent, canVote, NEW_ROUND, type Round } from './match-round.js';
import { voteForKey } from './vote-keys.js';

type Phase = { kind: 'idle' } | { kind: 'answering'; round: Round } | { kind: 'voted'; round: Round; result: VoteResult };

export function ArenaPage() {
  const { t } = useI18n();
  const client = useClient();
  const models = useApi<List<ModelEntry>>('/v1/models');
  const races = (models.data?.data ?? []).filter((m) => m.saima?.kind === 'race').map((m) => m.id);
  const [racePick, setRace] = useState<string | null>(null);
  const race = racePick ?? races[0] ?? '';
  const [prompt, setPrompt] = useState('');
  const [phase, setPhase] = useState<Phase>({ kind: 'idle' });
  const [error, setError] = useState<Error | null>(null);
  const [voting, setVoting] = useState(false);
  const inFlight = useRef<AbortController | null>(null);
  // Leaving the page ends the stream, which aborts both contenders' calls on the gateway.
  useEffect(() => () => inFlight.current?.abort(), []);

  const ask = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!prompt.trim() || !race || (phase.kind === 'answering' && !canVote(phase.round) && !phase.round.discarded)) return;
    inFlight.current?.abort();
    const ac = new AbortController();
    inFlight.current = ac;
    setError(null);
    setPhase({ kind: 'answering', round: NEW_ROUND });
    let stored = false;
    let discarded = false;
    try {
      await streamMatch(
        client,
        race,
        prompt.trim(),
        (event) => {
          if (event.type === 'match.stored') stored = true;
          if (event.type === 'match.discarded') {
            discarded = true;
            setError(new Error(t('arena.discarded')));
          }
          if (event.type === 'error') setError(new Error(event.error.message));
          setPhase((p) => (p.kind === 'answering' ? { kind: 'answering', round: applyMatchEvent(p.round, event) } : p));
        },
        ac.signal,
      );
      if (!stored && !discarded && !ac.signal.aborted) setError(new Error(t('arena.streamBroken')));
    } catch (err) {
      if (ac.signal.aborted) return;
      setError(err as Error);
      setPhase((p) => (p.kind === 'answering' && p.round.id === null ? { kind: 'idle' } : p));
    }
  };

  const round = phase.kind === 'idle' ? null : phase.round;
  const votable = phase.kind === 'answering' && canVote(phase.round);

  const vote = useCallback(
    async (winner: BattleWinner) => {
      if (phase.kind !== 'answering' || !canVote(phase.round) || voting || !phase.round.id) return;
      setVoting(true);
      try {
        setPhase({ kind: 'voted', round: phase.round, result: await castVote(client, phase.round.id, winner) });
      } catch (err) {
        setError(err as Error);
      } finally {
        setVoting(false);
      }
    },
    [phase, voting, client],
  );

  useEffect(() => {
    if (!votable) return;
    const onKey = (e: KeyboardEvent) => {
      const w = voteForKey(e);
      if (w) {
        e.preventDefault();
        void vote(w);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [votable, vote]);

  if (isUnknownRoute(error)) return <EmptyState testId="arena-unavailable">{t('arena.unavailable')}</EmptyState>;
  const result = phase.kind === 'voted' ? phase.result : null;
  const buttons: Array<[BattleWinner, string, string]> = [
    ['a', '1', t('arena.voteA')],
    ['b', '2', t('arena.voteB')],
    ['tie', '3', t('arena.tie')],
    ['tie_bothbad', '4', t('arena.bothBad')],
  ];

  return (
    <div className="stack" data-testid="arena-page">
      <h1>{t('arena.title')}</h1>
      <p className="muted">{t('arena.hint')}</p>
      <form className="panel stack" onSubmit={(e) => void ask(e)}>
        <div className="filters">
          <label className="field field-inline">
            <span>{t('arena.race')}</span>
            <select value={race} onChange={(e) => setRace(e.target.value)} data-testid="arena-race">
              {races.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
        </div>
        <div className="prompt-row">
          <label className="field field-grow">
            <span>{t('arena.prompt')}</span>
            <textarea
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
              placeholder={t('arena.placeholder')}
              onKeyDown={(e) => (e.ctrlKey || e.metaKey) && e.key === 'Enter' && void ask()}
              data-testid="arena-prompt"
            />
          </label>
          <button type="submit" className="btn btn-primary" disabled={(phase.kind === 'answering' && !votable && !phase.round.discarded) || !prompt.trim() || !race} data-testid="arena-send">
            {phase.kind === 'answering' && !votable ? t('arena.sending') : t('arena.send')}
          </button>
        </div>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
      {round ? (
        <div className="arena">
          <ArenaAnswer side="A" text={round.answers[0]} state={round.sides[0]} name={result?.contender_a ?? null} winner={result?.winner === 'a'} />
          <ArenaAnswer side="B" text={round.answers[1]} state={round.sides[1]} name={result?.contender_b ?? null} winner={result?.winner === 'b'} />
        </div>
      ) : null}
      {votable ? (
        <div className="stack">
          <div className="arena-votes" data-testid="arena-votes">
            {buttons.map(([w, key, label]) => (
              <button key={w} type="button" className="btn" disabled={voting} onClick={() => void vote(w)} data-testid={`vote-${w}`}>
                <span className="kbd">{key}</span>
                {label}
              </button>
            ))}
          </div>
          <p className="muted small center">{t('arena.shortcuts')}</p>
        </div>
      ) : null}
      {result ? (
        <div className="banner banner-ok" data-testid="arena-revealed">
          <span>
            {t('arena.thanks')} {t('arena.revealed', { a: result.contender_a, b: result.contender_b })}
          </span>
          <button
            type="button"
            className="btn btn-small"
            onClick={() => {
              setPhase({ kind: 'idle' });
              setPrompt('');
            }}
            data-testid="arena-again"
          >
            {t('arena.again')}
          </button>
        </div>
      ) : null}
    </div>
  );
}

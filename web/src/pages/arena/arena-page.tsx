/**
 * Arena: a blind side-by-side. Type a prompt, two anonymous contenders of the race answer, vote A, B, tie or both
 * bad (buttons or keys 1–4), and only then are the names revealed.
 */
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { isUnknownRoute } from '../../api/api-error.js';
import type { BattleWinner, MatchView, VoteResult } from '../../api/arena-types.js';
import { useApi } from '../../api/use-api.js';
import type { List, ModelEntry } from '../../api/types.js';
import { EmptyState, ErrorBanner } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { useClient } from '../../session/session-context.js';
import { ArenaAnswer } from './arena-answer.js';
import { castVote, requestMatch } from './arena-client.js';
import { voteForKey } from './vote-keys.js';

type Phase = { kind: 'idle' } | { kind: 'asking' } | { kind: 'answered'; match: MatchView } | { kind: 'voted'; match: MatchView; result: VoteResult };

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

  const ask = async (e?: FormEvent) => {
    e?.preventDefault();
    if (!prompt.trim() || !race) return;
    setError(null);
    setPhase({ kind: 'asking' });
    try {
      setPhase({ kind: 'answered', match: await requestMatch(client, race, prompt.trim()) });
    } catch (err) {
      setError(err as Error);
      setPhase({ kind: 'idle' });
    }
  };

  const vote = useCallback(
    async (winner: BattleWinner) => {
      if (phase.kind !== 'answered' || voting) return;
      setVoting(true);
      try {
        setPhase({ kind: 'voted', match: phase.match, result: await castVote(client, phase.match.id, winner) });
      } catch (err) {
        setError(err as Error);
      } finally {
        setVoting(false);
      }
    },
    [phase, voting, client],
  );

  useEffect(() => {
    if (phase.kind !== 'answered') return;
    const onKey = (e: KeyboardEvent) => {
      const w = voteForKey(e);
      if (w) {
        e.preventDefault();
        void vote(w);
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [phase, vote]);

  if (isUnknownRoute(error)) return <EmptyState testId="arena-unavailable">{t('arena.unavailable')}</EmptyState>;
  const match = phase.kind === 'answered' || phase.kind === 'voted' ? phase.match : null;
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
          <button type="submit" className="btn btn-primary" disabled={phase.kind === 'asking' || !prompt.trim() || !race} data-testid="arena-send">
            {phase.kind === 'asking' ? t('arena.sending') : t('arena.send')}
          </button>
        </div>
      </form>
      {error ? <ErrorBanner error={error} /> : null}
      {phase.kind === 'asking' || match ? (
        <div className="arena">
          <ArenaAnswer side="A" text={match?.answers[0].content ?? ''} name={result?.contender_a ?? null} winner={result?.winner === 'a'} pending={phase.kind === 'asking'} />
          <ArenaAnswer side="B" text={match?.answers[1].content ?? ''} name={result?.contender_b ?? null} winner={result?.winner === 'b'} pending={phase.kind === 'asking'} />
        </div>
      ) : null}
      {match && !result ? (
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

/** Manual set-weight, promote and rollback for admins, each with a required reason that lands in the decision log. */
import { useState, type FormEvent } from 'react';
import type { RaceReport } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { useClient, useSession } from '../../session/session-context.js';

type Action = 'weights' | 'promote' | 'rollback';

export function RaceActions({ race, onDone }: { race: RaceReport; onDone: () => void }) {
  const { t } = useI18n();
  const client = useClient();
  const { session } = useSession();
  const candidates = race.challengers.filter((c) => c.status !== 'retired').map((c) => c.contender);
  const [contender, setContender] = useState(candidates[0] ?? '');
  const [weight, setWeight] = useState('');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);

  if (!session?.info.admin) return <p className="muted small">{t('races.adminOnly')}</p>;
  if (candidates.length === 0) return <p className="muted small">{t('races.noChallengers')}</p>;
  const chosen = candidates.includes(contender) ? contender : candidates[0]!;
  const reasonOk = reason.trim().length >= 3;

  const run = async (action: Action, e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const body: Record<string, unknown> = { contender: chosen, reason: reason.trim() };
      if (action === 'weights') body.weight = Number(weight);
      await client.post(`/admin/races/${encodeURIComponent(race.name)}/${action}`, body);
      const label = action === 'weights' ? t('races.setWeight') : action === 'promote' ? t('races.promote') : t('races.rollback');
      setMessage({ ok: true, text: t('races.done', { action: label, contender: chosen }) });
      setReason('');
      onDone();
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="actions-form" onSubmit={(e) => void run('weights', e)} data-testid="race-actions">
      <label className="field">
        <span>{t('common.contender')}</span>
        <select value={chosen} onChange={(e) => setContender(e.target.value)} data-testid="action-contender">
          {candidates.map((c) => (
            <option key={c} value={c}>
              {c}
            </option>
          ))}
        </select>
      </label>
      <label className="field field-narrow">
        <span>{t('races.weight')} (%)</span>
        <input type="number" min={0} max={100} step={0.1} value={weight} onChange={(e) => setWeight(e.target.value)} data-testid="action-weight" />
      </label>
      <label className="field field-grow">
        <span>{t('common.reason')}</span>
        <input type="text" value={reason} onChange={(e) => setReason(e.target.value)} placeholder={t('races.reasonPlaceholder')} required minLength={3} data-testid="action-reason" />
      </label>
      <div className="button-row">
        <button type="submit" className="btn" disabled={busy || !reasonOk || weight === ''} data-testid="action-set-weight">
          {t('races.setWeight')}
        </button>
        <button type="button" className="btn btn-good" disabled={busy || !reasonOk} onClick={() => void run('promote')} data-testid="action-promote">
          {t('races.promote')}
        </button>
        <button type="button" className="btn btn-danger" disabled={busy || !reasonOk} onClick={() => void run('rollback')} data-testid="action-rollback">
          {t('races.rollback')}
        </button>
      </div>
      {message ? (
        <p className={message.ok ? 'banner banner-ok' : 'banner banner-error'} role="status" data-testid="action-message">
          {message.text}
        </p>
      ) : null}
    </form>
  );
}

/** Race, tag and language filters of the leaderboard; the tag applies on Enter or when the field loses focus. */
import { useState } from 'react';
import type { RaceSummary } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';

export interface LeaderboardQuery {
  race: string;
  tag: string;
  language: string;
}

const LANGUAGES = ['en', 'zh', 'ja', 'ko', 'ru'];

export function LeaderboardFilters({ query, onChange, races }: { query: LeaderboardQuery; onChange: (q: LeaderboardQuery) => void; races: readonly RaceSummary[] }) {
  const { t } = useI18n();
  const [tag, setTag] = useState(query.tag);
  const applyTag = () => tag.trim() !== query.tag && onChange({ ...query, tag: tag.trim() });
  return (
    <div className="filters" data-testid="lb-filters">
      <label className="field field-inline">
        <span>{t('common.race')}</span>
        <select value={query.race} onChange={(e) => onChange({ ...query, race: e.target.value })} data-testid="lb-race">
          <option value="">{t('common.all')}</option>
          {races.map((r) => (
            <option key={r.name}>{r.name}</option>
          ))}
        </select>
      </label>
      <label className="field field-inline">
        <span>{t('lb.tag')}</span>
        <input type="text" value={tag} size={10} placeholder={t('common.all')} onChange={(e) => setTag(e.target.value)} onBlur={applyTag} onKeyDown={(e) => e.key === 'Enter' && applyTag()} data-testid="lb-tag" />
      </label>
      <label className="field field-inline">
        <span>{t('lb.language')}</span>
        <select value={query.language} onChange={(e) => onChange({ ...query, language: e.target.value })} data-testid="lb-language">
          <option value="">{t('common.all')}</option>
          {LANGUAGES.map((l) => (
            <option key={l}>{l}</option>
          ))}
        </select>
      </label>
    </div>
  );
}

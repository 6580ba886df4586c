/** One request in detail: where the time went, tokens and cost, the error, and the text when the race captures it. */
import { useApi } from '../../api/use-api.js';
import type { FailedAttempt, RefusalRow, RequestRow } from '../../api/types.js';
import { Drawer } from '../../components/drawer.js';
import { fmtInt, fmtMoney, fmtMs, fmtTime } from '../../components/format.js';
import { ErrorBanner, Loading } from '../../components/status-views.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { refusalLabel, refusalMessage } from './refusal-text.js';
import { ProtocolDetail } from './protocol-text.js';

function TimingBar({ row }: { row: RequestRow }) {
  const { t } = useI18n();
  const total = Math.max(row.latency_ms, 1);
  const ttft = row.ttft_ms ?? null;
  const parts = ttft !== null ? [{ label: t('req.ttft'), ms: ttft, cls: 'seg-ttft' }, { label: t('req.generation'), ms: Math.max(0, row.latency_ms - ttft), cls: 'seg-gen' }] : [{ label: t('req.total'), ms: row.latency_ms, cls: 'seg-gen' }];
  return (
    <div data-testid="timing">
      <div className="timing-bar" aria-hidden="true">
        {parts.map((p) => (
          <span key={p.label} className={`seg ${p.cls}`} style={{ width: `${(p.ms / total) * 100}%` }} />
        ))}
      </div>
      <dl className="kv">
        {parts.map((p) => (
          <div key={p.label}>
            <dt>
              <span className={`dot ${p.cls}`} /> {p.label}
            </dt>
            <dd>{fmtMs(p.ms)}</dd>
          </div>
        ))}
        <div>
          <dt>{t('req.total')}</dt>
          <dd className="strong">{fmtMs(row.latency_ms)}</dd>
        </div>
        <div>
          <dt>{t('req.attempts')}</dt>
          <dd>{row.attempts}</dd>
        </div>
      </dl>
    </div>
  );
}

/** Why the assigned contender (and any retry) failed before the answer, or before the give-up. */
function FailedAttempts({ attempts }: { attempts: readonly FailedAttempt[] }) {
  const { t } = useI18n();
  return (
    <div className="table-wrap">
      <table className="table" data-testid="failed-attempts">
        <thead>
          <tr>
            <th>{t('common.contender')}</th>
            <th>{t('req.code')}</th>
            <th>{t('req.message')}</th>
            <th className="num">{t('req.took')}</th>
          </tr>
        </thead>
        <tbody>
          {attempts.map((a, i) => (
            <tr key={i} data-testid="failed-attempt">
              <td className="nowrap">{a.contender}</td>
              <td className="mono small">{a.code}</td>
              <td className="small">{a.message}</td>
              <td className="num">{fmtMs(a.ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Calls refused at admission, as the record that counted them: no upstream call was made, so there is nothing of a
 * request's detail to show, only when, how many, why and whose.
 */
function RefusalDetail({ r }: { r: RefusalRow }) {
  const { t, lang } = useI18n();
  return (
    <div className="stack" data-testid="refusal-detail">
      <dl className="kv">
        <div><dt>{t('req.refusal.minute')}</dt><dd>{fmtTime(r.ts, lang)}</dd></div>
        <div><dt>{t('req.refusal.count')}</dt><dd className="strong" data-testid="refusal-detail-count">{fmtInt(r.count, lang)}</dd></div>
        <div><dt>{t('req.refusal.first')}</dt><dd>{fmtTime(r.first_ts, lang)}</dd></div>
        <div><dt>{t('req.refusal.last')}</dt><dd>{fmtTime(r.last_ts, lang)}</dd></div>
        <div><dt>{t('common.status')}</dt><dd>{t('req.refusedStatus', { status: r.status, reason: refusalLabel(r.error_code, t) })}</dd></div>
        <div><dt>{t('req.refusal.reason')}</dt><dd data-testid="refusal-detail-reason">{refusalMessage(r.error_message, t, lang)}</dd></div>
        <div><dt>{t('common.race')}</dt><dd>{r.race ?? '—'}</dd></div>
        <div><dt>{t('common.contender')}</dt><dd>{r.contender ?? '—'}</dd></div>
        <div><dt>{t('common.team')}</dt><dd>{r.team ?? '—'}</dd></div>
        <div><dt>{t('req.refusal.key')}</dt><dd className="mono" translate="no">{r.key_id ?? '—'}</dd></div>
        <div><dt>{t('req.refusal.firstId')}</dt><dd className="mono small" translate="no" data-testid="refusal-detail-first-id">{r.first_id}</dd></div>
      </dl>
      <p className="muted small">{t('req.refusal.note')}</p>
    </div>
  );
}

const FINISH_REASONS = ['stop', 'length', 'content_filter', 'tool_calls', 'function_call'] as const;

/** Why the answer ended, in words, beside the OpenAI value itself (an identifier, the same in every language). */
function FinishReason({ reason }: { reason: string }) {
  const { t } = useI18n();
  const known = (FINISH_REASONS as readonly string[]).includes(reason);
  return known ? (
    <>
      {t(`req.finishReason.${reason as (typeof FINISH_REASONS)[number]}`)} <span className="muted mono small" translate="no">{reason}</span>
    </>
  ) : (
    <span className="mono" translate="no">{reason}</span>
  );
}

export function RequestDrawer({ id, onClose }: { id: string; onClose: () => void }) {
  const { t, lang } = useI18n();
  // A refused call's id (or its record's) answers the record that counted it.
  const { data, error } = useApi<RequestRow | RefusalRow>(`/admin/requests/${encodeURIComponent(id)}`);
  const refusal = data?.object === 'refusal' ? data : null;
  const row = data?.object === 'refusal' ? undefined : data;
  return (
    <Drawer title={refusal ? t('req.refusal.title', { id: id.slice(0, 16) }) : t('req.detail', { id: id.slice(0, 16) })} onClose={onClose} testId="request-drawer">
      {error ? <ErrorBanner error={error} /> : null}
      {refusal ? (
        <RefusalDetail r={refusal} />
      ) : !row ? (
        error ? null : <Loading />
      ) : (
        <div className="stack">
          <dl className="kv">
            <div><dt>{t('common.time')}</dt><dd>{fmtTime(row.ts, lang)}</dd></div>
            <div><dt>{t('common.race')}</dt><dd>{row.race ?? '—'}</dd></div>
            <div><dt>{t('common.contender')}</dt><dd data-testid="request-contender">{row.contender ?? '—'}</dd></div>
            {row.fallback_from ? <div><dt>{t('req.assigned')}</dt><dd data-testid="request-assigned">{row.fallback_from} <span className="badge badge-rolled_back">{t('req.rescuedFrom', { contender: row.fallback_from })}</span></dd></div> : null}
            <div><dt>{t('req.protocol')}</dt><dd data-testid="request-protocol-detail">{<ProtocolDetail protocol={row.protocol} />}</dd></div>
            <div><dt>{t('req.model')}</dt><dd className="mono">{row.upstream_model ?? '—'}</dd></div>
            <div><dt>{t('common.team')}</dt><dd>{row.team ?? '—'}</dd></div>
            <div><dt>{t('common.status')}</dt><dd>{row.status} · {t(`req.status.${row.outcome}`)}</dd></div>
            <div><dt>{t('req.finish')}</dt><dd data-testid="request-finish">{row.finish_reason ? <FinishReason reason={row.finish_reason} /> : '—'}</dd></div>
            <div><dt>{t('common.cost')}</dt><dd>{fmtMoney(row.cost_nanos / 1e9, row.currency)}</dd></div>
          </dl>
          <h3>{t('req.timing')}</h3>
          <TimingBar row={row} />
          <h3>{t('req.tokens')}{row.usage_estimated ? <span className="badge">{t('req.estimated')}</span> : null}</h3>
          <dl className="kv">
            <div><dt>{t('req.promptTokens')}</dt><dd>{fmtInt(row.prompt_tokens, lang)}</dd></div>
            <div><dt>{t('req.completionTokens')}</dt><dd>{fmtInt(row.completion_tokens, lang)}</dd></div>
            <div><dt>{t('req.reasoningTokens')}</dt><dd>{fmtInt(row.reasoning_tokens, lang)}</dd></div>
            <div><dt>{t('req.cachedTokens')}</dt><dd>{fmtInt(row.cached_tokens, lang)}</dd></div>
          </dl>
          {row.failed_attempts && row.failed_attempts.length > 0 ? (
            <>
              <h3>{t('req.failedAttempts')}</h3>
              <FailedAttempts attempts={row.failed_attempts} />
            </>
          ) : null}
          {row.error_code || row.error_message ? (
            <>
              <h3>{t('req.error')}</h3>
              <p className="banner banner-error mono small">{row.error_code}: {row.error_message}</p>
            </>
          ) : null}
          {row.prompt_text === null && row.response_text === null ? (
            <p className="muted small">{t('req.notCaptured')}</p>
          ) : (
            <>
              <h3>{t('req.prompt')}</h3>
              <pre className="text-block" data-testid="request-prompt">{row.prompt_text ?? '—'}</pre>
              <h3>{t('req.answer')}</h3>
              <pre className="text-block" data-testid="request-answer">{row.response_text ?? '—'}</pre>
            </>
          )}
        </div>
      )}
    </Drawer>
  );
}

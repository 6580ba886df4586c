/** Asks for an API key, checks it against the gateway, and keeps it in this tab's session storage only. */
import { useEffect, useState, type FormEvent } from 'react';
import { ApiError } from '../../api/api-error.js';
import { LanguageSwitch } from '../../components/header.js';
import { useI18n } from '../../i18n/i18n-context.js';
import { useSession } from '../../session/session-context.js';

export function LoginPage() {
  const { t } = useI18n();
  const { login } = useSession();
  const [key, setKey] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [noAuth, setNoAuth] = useState(false);

  // A loopback quick-start gateway runs without keys: say so, rather than leave people hunting for one.
  useEffect(() => {
    fetch('/admin/session')
      .then((r) => (r.ok ? (r.json() as Promise<{ auth?: string }>) : null))
      .then((b) => setNoAuth(b?.auth === 'none'))
      .catch(() => setNoAuth(false));
  }, []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(key.trim());
    } catch (err) {
      // A refused key is said in the page's language from its code; anything else (the network, a proxy) as it came.
      const refused = err instanceof ApiError && err.code === 'invalid_api_key';
      setError(t('login.invalid', { message: refused ? t('login.badKey') : (err as Error).message }));
      setBusy(false);
    }
  };

  return (
    <main className="login">
      <form className="login-card panel" onSubmit={submit} data-testid="login-form">
        <div className="login-head">
          <h1>
            <span className="brand-mark" aria-hidden="true">◆</span> {t('login.title')}
          </h1>
          <LanguageSwitch />
        </div>
        <p className="muted">{t('login.hint')}</p>
        <label className="field">
          <span>{t('login.key')}</span>
          <input type="password" autoComplete="off" spellCheck={false} value={key} onChange={(e) => setKey(e.target.value)} placeholder="sk-saima-…" data-testid="login-key" required />
        </label>
        {error ? (
          <p className="banner banner-error" role="alert" data-testid="login-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="btn btn-primary" disabled={busy || key.trim() === ''} data-testid="login-submit">
          {busy ? t('login.checking') : t('login.submit')}
        </button>
        {noAuth ? <p className="muted small">{t('login.noAuth')}</p> : null}
      </form>
    </main>
  );
}

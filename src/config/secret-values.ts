/**
 * The secret values this process knows (contender keys and header values, the admin key, passwords in store,
 * Redis and webhook URLs), so that every output can strip them by value. Patterns (`sk-…`, bearer tokens) miss keys
 * of other shapes (a Volcengine Ark UUID, a Google `AIza…` key, an 8-character key), which upstreams quote back in
 * their errors. Process-wide on purpose: redacting a value another gateway of the same process knows is never wrong,
 * and every layer that writes text (providers, the error handler, the log stream, the CLI) reaches it without
 * plumbing.
 */

/** Shorter values would match ordinary words; a real credential is longer. */
export const MIN_SECRET_LENGTH = 8;

const values = new Set<string>();
let matcher: RegExp | null = null;

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Adds values to redact (with their URL- and JSON-escaped forms); short or empty ones are ignored. */
export function registerSecretValues(list: Iterable<string | null | undefined>): void {
  let added = false;
  for (const v of list) {
    if (typeof v !== 'string' || v.length < MIN_SECRET_LENGTH) continue;
    for (const form of [v, encodeURIComponent(v), JSON.stringify(v).slice(1, -1)]) {
      if (!values.has(form)) {
        values.add(form);
        added = true;
      }
    }
  }
  // Longest first, so a value that contains another is replaced whole.
  if (added) matcher = new RegExp([...values].sort((a, b) => b.length - a.length).map(escape).join('|'), 'g');
}

/** `text` with every registered secret value replaced by `***`. */
export function redactSecretValues(text: string): string {
  return matcher ? text.replace(matcher, '***') : text;
}

/** The password and the query values of a URL that carries credentials (`scheme://user:pw@host/?token=…`). */
export function urlSecrets(url: string | null | undefined): string[] {
  if (!url) return [];
  try {
    const u = new URL(url);
    const out = [decodeURIComponent(u.password)];
    for (const [k, v] of u.searchParams) if (/key|token|secret|password|sig/i.test(k)) out.push(v);
    return out;
  } catch {
    return [];
  }
}

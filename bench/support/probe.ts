/** One request before a load run, so a target that answers wrongly is reported with its own error text. */
import { request } from 'undici';

export interface ProbeResult {
  ok: boolean;
  status: number;
  /** Why the answer is not a valid completion (status and the start of the body), or null. */
  error: string | null;
}

export async function probe(url: string, headers: Record<string, string>, body: string, stream: boolean, isValid?: (text: string, stream: boolean) => boolean): Promise<ProbeResult> {
  try {
    const res = await request(url, { method: 'POST', headers, body, headersTimeout: 15_000, bodyTimeout: 15_000 });
    const text = await res.body.text();
    const snippet = text.slice(0, 300).replace(/\s+/g, ' ');
    if (res.statusCode !== 200) return { ok: false, status: res.statusCode, error: `HTTP ${res.statusCode}: ${snippet}` };
    // The fake upstream's answer starts with "Hello"; a stream must also end with its [DONE] marker.
    const valid = isValid ? isValid(text, stream) : stream ? text.includes('"content":"Hello"') && text.trimEnd().endsWith('data: [DONE]') : text.includes('"content":"Hello there');
    return valid ? { ok: true, status: 200, error: null } : { ok: false, status: 200, error: `HTTP 200 with an unexpected body: ${snippet}` };
  } catch (err) {
    return { ok: false, status: 0, error: err instanceof Error ? err.message : String(err) };
  }
}

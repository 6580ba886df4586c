/**
 * Calls the gateway's admin and arena APIs with the signed-in key. A 401 means the key was revoked or expired:
 * the client reports it once so the app can return to the login page.
 */
import { apiErrorFrom } from './api-error.js';

export class ApiClient {
  readonly #key: string;
  readonly #onUnauthorized: () => void;

  constructor(key: string, onUnauthorized: () => void) {
    this.#key = key;
    this.#onUnauthorized = onUnauthorized;
  }

  headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.#key}`, ...extra };
  }

  async request(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    const init: RequestInit = { method, headers: this.headers(body === undefined ? {} : { 'content-type': 'application/json' }) };
    if (body !== undefined) init.body = JSON.stringify(body);
    if (signal) init.signal = signal;
    const res = await fetch(path, init);
    if (res.status === 401) this.#onUnauthorized();
    if (!res.ok) throw await apiErrorFrom(res);
    return res;
  }

  async get<T>(path: string, signal?: AbortSignal): Promise<T> {
    return (await (await this.request('GET', path, undefined, signal)).json()) as T;
  }

  async post<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
    return (await (await this.request('POST', path, body, signal)).json()) as T;
  }
}

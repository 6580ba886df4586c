/**
 * The signed-in key and what the gateway says about it. The key lives in sessionStorage only: it survives a reload
 * of this tab and is gone when the tab closes, and no other tab or later visit can read it.
 */
export interface SessionInfo {
  keyId: string | null;
  team: string | null;
  scopes: string[];
  admin: boolean;
  auth: 'none' | 'keys';
  timeZone: string;
}

export interface Session {
  key: string;
  info: SessionInfo;
}

const KEY = 'saima.key';

export function loadKey(): string | null {
  return sessionStorage.getItem(KEY);
}

export function saveKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}

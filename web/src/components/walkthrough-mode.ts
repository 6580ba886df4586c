/**
 * Demo mode: `saima demo` prints a dashboard link with `?demo=1`; the flag is kept for the tab (sessionStorage) so
 * the walkthrough and the "simulated" badge follow the visitor from page to page. Nothing else changes: the pages
 * show the gateway's real data, which in the demo comes from simulated models and users.
 */
const KEY = 'saima.demo';
const DISMISSED = 'saima.demo.walkthrough';

export function isDemo(): boolean {
  if (new URLSearchParams(window.location.search).get('demo') === '1') sessionStorage.setItem(KEY, '1');
  return sessionStorage.getItem(KEY) === '1';
}

export function walkthroughDismissed(): boolean {
  return sessionStorage.getItem(DISMISSED) === 'hidden';
}

export function setWalkthroughDismissed(hidden: boolean): void {
  if (hidden) sessionStorage.setItem(DISMISSED, 'hidden');
  else sessionStorage.removeItem(DISMISSED);
}

/**
 * What a panel shows of data loaded with `useApi`: the gateway lacking the API (when the panel says so), the error
 * (while there is no data to keep showing), loading, empty, or the data itself. Each panel used to spell these
 * states out in the same order; here they are one decision.
 */
import type { ReactNode } from 'react';
import { isUnknownRoute } from '../api/api-error.js';
import type { ApiState } from '../api/use-api.js';
import { EmptyState, ErrorBanner, Loading } from './status-views.js';

export interface DataViewProps<T> {
  state: ApiState<T>;
  /** Shown when the gateway has no such API at all (an older gateway); without it, that is an error like any other. */
  unavailable?: { text: ReactNode; testId?: string };
  /** Whether loaded data has nothing to show, and what to say then. */
  empty?: { when: (data: T) => boolean; text: ReactNode; testId?: string };
  children: (data: T) => ReactNode;
}

export function DataView<T>({ state, unavailable, empty, children }: DataViewProps<T>) {
  if (unavailable && isUnknownRoute(state.error)) return <EmptyState testId={unavailable.testId}>{unavailable.text}</EmptyState>;
  if (state.error && state.data === undefined) return <ErrorBanner error={state.error} onRetry={state.reload} />;
  if (state.data === undefined) return <Loading />;
  if (empty && empty.when(state.data)) return <EmptyState testId={empty.testId}>{empty.text}</EmptyState>;
  return <>{children(state.data)}</>;
}

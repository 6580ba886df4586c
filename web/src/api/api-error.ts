/** An error answer from the gateway, in OpenAI's `{"error": {...}}` shape. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code: string | null,
  ) {
    super(message);
  }
}

export async function apiErrorFrom(res: Response): Promise<ApiError> {
  let message = `${res.status} ${res.statusText}`;
  let code: string | null = null;
  try {
    const body = (await res.json()) as { error?: { message?: unknown; code?: unknown } };
    if (typeof body.error?.message === 'string') message = body.error.message;
    if (typeof body.error?.code === 'string') code = body.error.code;
  } catch {
    // Not JSON (a proxy's error page): the status line says enough.
  }
  return new ApiError(res.status, message, code);
}

/** The gateway does not have this API at all (an older or differently built gateway), as opposed to a missing record. */
export function isUnknownRoute(e: unknown): boolean {
  return e instanceof ApiError && e.status === 404 && e.message.startsWith('Unknown route');
}

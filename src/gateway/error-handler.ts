/**
 * One handler turns every failure into OpenAI's error shape: our `SaimaError`s, Fastify's own codes (bad JSON,
 * empty body, body too large, wrong media type) and anything unexpected, which becomes `internal_error` carrying
 * the request id while its stack goes only to the log.
 */
import type { FastifyError, FastifyInstance, FastifyRequest } from 'fastify';
import { RateLimitError, setRateLimitHeaders } from './admission.js';
import { ERRORS, SaimaError, errorBody, sanitize, type ErrorCode } from '../errors.js';
import { anthropicErrorBody } from './messages/anthropic-errors.js';

/** Requests to the Messages API front door get Anthropic's error shape, whatever failed (auth, body, route, call). */
function speaksMessages(url: string | undefined): boolean {
  return url !== undefined && (url === '/v1/messages' || url.startsWith('/v1/messages/') || url.startsWith('/v1/messages?'));
}

function bodyFor(req: FastifyRequest, status: number, code: ErrorCode, message: string, param: string | null = null): unknown {
  return speaksMessages(req.routeOptions.url ?? req.url) ? anthropicErrorBody(status, message, req.id) : errorBody(code, message, param);
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'request_too_large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'invalid_request',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_VALIDATION: 'invalid_request',
};

export function toSaimaError(err: unknown): SaimaError | null {
  if (err instanceof SaimaError) return err;
  const fe = err as Partial<FastifyError> & { name?: string };
  const mapped = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (mapped) return new SaimaError(mapped, publicMessage(mapped, fe.message ?? ''));
  // Body parser failures (JSON syntax, forbidden __proto__ keys) arrive as 400s without a code we know.
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    if (fe.name === 'SyntaxError' || /JSON|prototype/i.test(fe.message ?? '')) return new SaimaError('invalid_json', publicMessage('invalid_json', fe.message ?? ''));
    if (fe.statusCode === 413) return new SaimaError('request_too_large', 'Request body is too large.');
    if (fe.statusCode === 415) return new SaimaError('unsupported_media_type', 'Content-Type must be application/json.');
    if (fe.statusCode === 404) return new SaimaError('not_found', 'Not found.');
    return new SaimaError('invalid_request', sanitize(fe.message ?? 'Bad request.'));
  }
  return null;
}

function publicMessage(code: ErrorCode, original: string): string {
  switch (code) {
    case 'invalid_json':
      return `We could not parse the JSON body of your request. (${sanitize(original).slice(0, 200)})`;
    case 'request_too_large':
      return 'Request body is too large.';
    case 'unsupported_media_type':
      return 'Content-Type must be application/json.';
    default:
      return sanitize(original).slice(0, 500);
  }
}

export function installErrorHandlers(app: FastifyInstance, onRejected: (code: string) => void = () => {}): void {
  app.setErrorHandler((err, req, reply) => {
    const known = toSaimaError(err);
    onRejected(known?.code ?? 'internal_error');
    if (known) {
      if (known instanceof RateLimitError) {
        const seconds = Math.ceil(known.retryAfterMs / 1000);
        reply.header('retry-after', String(Number.isFinite(seconds) ? Math.max(1, seconds) : 60));
        setRateLimitHeaders(reply, known.state);
      }
      if (known.status >= 500) req.log.warn({ code: known.code, detail: sanitize(known.message) }, 'request failed');
      // Every message leaves through the secret filter, whichever layer wrote it.
      return reply.code(known.status).send(bodyFor(req, known.status, known.code, sanitize(known.message), known.param));
    }
    req.log.error({ err }, 'unexpected error');
    return reply
      .code(ERRORS.internal_error.status)
      .send(bodyFor(req, ERRORS.internal_error.status, 'internal_error', `The server had an error while processing your request (request id ${req.id}).`));
  });
  app.setNotFoundHandler((req, reply) => {
    onRejected('not_found');
    reply.code(404).send(bodyFor(req, 404, 'not_found', `Unknown route: ${req.method} ${req.url.split('?')[0]?.slice(0, 200)}`));
  });
}

/**
 * The front door a request came through (`protocol` of its row), in the page's language, with the path it was
 * called on: the path is an identifier and reads the same in every language.
 */
import type { RequestProtocol } from '../../api/types.js';
import { useI18n } from '../../i18n/i18n-context.js';

export const PROTOCOLS: readonly RequestProtocol[] = ['chat', 'messages', 'responses', 'embeddings'];

const PATHS: Record<RequestProtocol, string> = {
  chat: '/v1/chat/completions',
  messages: '/v1/messages',
  responses: '/v1/responses',
  embeddings: '/v1/embeddings',
};

/** The protocol's short name; its path on hover. */
export function ProtocolName({ protocol }: { protocol: RequestProtocol }) {
  const { t } = useI18n();
  return (
    <span data-testid="request-protocol" data-protocol={protocol} title={`POST ${PATHS[protocol]}`}>
      {t(`req.protocol.${protocol}`)}
    </span>
  );
}

/** The protocol's name beside the path it was called on (the request's detail). */
export function ProtocolDetail({ protocol }: { protocol: RequestProtocol }) {
  const { t } = useI18n();
  return (
    <>
      {t(`req.protocol.${protocol}`)} <span className="muted mono small" translate="no">POST {PATHS[protocol]}</span>
    </>
  );
}

/**
 * PostgreSQL refuses a NUL character in `text` (`invalid byte sequence for encoding "UTF8": 0x00`): a feedback
 * comment, an arena prompt or a key name carrying one would fail its whole insert with a 500. (No column is
 * `jsonb`, where the `\u0000` escape would be refused too: JSON is stored as text.) SQLite stores it. This plugin replaces NUL in every string value a query sends to PostgreSQL with
 * U+FFFD, the replacement character (the request log's own batch writer does the same, request-log-sinks.ts), so a
 * client's text is kept, visibly marked, never refused.
 */
import { OperationNodeTransformer, type KyselyPlugin, type PluginTransformQueryArgs, type PluginTransformResultArgs, type PrimitiveValueListNode, type QueryResult, type RootOperationNode, type UnknownRow, type ValueNode } from 'kysely';

const NUL = '\u0000';

function clean(v: unknown): unknown {
  return typeof v === 'string' && v.includes(NUL) ? v.replaceAll(NUL, '\uFFFD') : v;
}

class NulReplacer extends OperationNodeTransformer {
  protected override transformValue(node: ValueNode): ValueNode {
    const value = clean(node.value);
    return value === node.value ? super.transformValue(node) : { ...node, value };
  }

  protected override transformPrimitiveValueList(node: PrimitiveValueListNode): PrimitiveValueListNode {
    return node.values.some((v) => clean(v) !== v) ? { ...node, values: node.values.map(clean) } : super.transformPrimitiveValueList(node);
  }
}

export class PostgresTextPlugin implements KyselyPlugin {
  readonly #replacer = new NulReplacer();

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    return this.#replacer.transformNode(args.node);
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
}

/**
 * Finished spans, written as OTLP JSON the moment they end (span-json.ts) into batches of bytes outside the
 * JavaScript heap, and handed to the SDK's OTLP/HTTP export delegate (its transport: timeouts, retries, headers). The
 * SDK's batch processor keeps span objects until their batch leaves; at thousands of requests a second they outlive
 * two young-generation collections, are copied twice and promoted, and the old generation's collector then has to
 * mark and sweep them: measured, that garbage cost as much as building the spans. Batching rules are the SDK
 * processor's defaults: a batch leaves at 512 spans (or 4 MB) or 5 s after its first span, one export at a time, and
 * at most 2,048 spans (and 64 MB) wait, later ones are dropped and counted; so a collector that is down or slow costs
 * memory that is bounded and requests nothing.
 */
import { diag } from '@opentelemetry/api';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { JsonBytes, envelopeOf, writeSpan } from './span-json.js';

export interface EncodedSpans {
  /** One OTLP/HTTP JSON export request. */
  bytes: Uint8Array;
  count: number;
}

/** Sends one batch; calls `done` once, when the collector answered, refused or timed out. */
export type ExportBatch = (batch: EncodedSpans, done: (result: ExportResult) => void) => void;

const MAX_BATCH = 512;
const MAX_QUEUE = 2048;
/**
 * Bytes too: spans of a race that captures text carry whole prompts. A batch leaves once it holds 4 MB (the OTLP
 * collector's own gRPC limit, well under its HTTP one), and at most 64 MB wait, whatever the span count.
 */
const MAX_BATCH_BYTES = 4 * 1024 * 1024;
const MAX_QUEUE_BYTES = 64 * 1024 * 1024;
const DELAY_MS = 5_000;

export class SpanBatches {
  readonly #open: Buffer;
  readonly #close: string;
  readonly #send: ExportBatch;
  #out: JsonBytes;
  #count = 0;
  /** Batches waiting for the one export in flight. */
  readonly #queue: Array<EncodedSpans & { buffer: Buffer }> = [];
  #queued = 0;
  #queuedBytes = 0;
  #exporting = false;
  #timer: NodeJS.Timeout | null = null;
  #dropped = 0;
  #idle: Array<() => void> = [];
  /**
   * Buffers whose batch the collector has taken, for the next batches. A fresh megabyte per batch would count as
   * external memory growth, and V8 answers that with full collections (measured: six times as many).
   */
  readonly #spare: Buffer[] = [];

  constructor(source: Pick<ReadableSpan, 'resource' | 'instrumentationScope'>, send: ExportBatch) {
    const e = envelopeOf(source);
    this.#open = Buffer.from(e.open);
    this.#close = e.close;
    this.#send = send;
    this.#out = this.#fresh(64 * 1024);
  }

  add(span: ReadableSpan): void {
    if (this.#queued + this.#count >= MAX_QUEUE || this.#queuedBytes + this.#out.at >= MAX_QUEUE_BYTES) {
      if (this.#dropped++ === 0) diag.warn('saima: span queue full (the collector is slow or down): dropping spans');
      return;
    }
    if (this.#count > 0) this.#out.ascii(',');
    writeSpan(this.#out, span);
    this.#count++;
    if (this.#count >= MAX_BATCH || this.#out.at >= MAX_BATCH_BYTES) this.#cut();
    else if (this.#timer === null) this.#timer = setTimeout(() => this.#cut(), DELAY_MS).unref();
  }

  /** Sends what is buffered and resolves when every batch has been answered (or given up). */
  flush(): Promise<void> {
    this.#cut();
    if (!this.#exporting && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #fresh(size: number): JsonBytes {
    const out = new JsonBytes(this.#spare.pop() ?? Buffer.allocUnsafeSlow(size));
    out.bytes(this.#open);
    return out;
  }

  /** Closes the current batch and queues it. */
  #cut(): void {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#count === 0) return;
    this.#out.text(this.#close);
    const { buf, at } = this.#out;
    const batch = { bytes: buf.subarray(0, at), count: this.#count, buffer: buf };
    // The next batch starts in a buffer of its own (the transport keeps this one until it is sent), sized as this.
    this.#out = this.#fresh(buf.length);
    this.#count = 0;
    if (this.#dropped > 0) {
      diag.warn(`saima: ${this.#dropped} spans were dropped because the span queue was full`);
      this.#dropped = 0;
    }
    this.#queue.push(batch);
    this.#queued += batch.count;
    this.#queuedBytes += batch.bytes.length;
    this.#next();
  }

  #next(): void {
    if (this.#exporting) return;
    const batch = this.#queue.shift();
    if (!batch) {
      for (const resolve of this.#idle.splice(0)) resolve();
      return;
    }
    this.#exporting = true;
    let finished = false;
    const done = (result: ExportResult): void => {
      if (finished) return;
      finished = true;
      // A batch the collector took is done with; one that failed may still sit in a socket's queue: not reused.
      if (result.code === ExportResultCode.SUCCESS) {
        // Kept only if of an ordinary size: a batch of captured prompts does not pin its megabytes.
        if (this.#spare.length < MAX_QUEUE / MAX_BATCH && batch.buffer.length <= 2 * MAX_BATCH_BYTES) this.#spare.push(batch.buffer);
      } else diag.warn(`saima: span export failed: ${result.error?.message ?? 'unknown error'}`);
      this.#queued -= batch.count;
      this.#queuedBytes -= batch.bytes.length;
      this.#exporting = false;
      this.#next();
    };
    try {
      this.#send(batch, done);
    } catch (err) {
      // An exporter that throws instead of answering must not stop every later batch.
      done({ code: ExportResultCode.FAILED, error: err instanceof Error ? err : new Error(String(err)) });
    }
  }
}

// Splits a TCP byte stream into control messages. TCP has no message boundaries: one read may hold
// half a message, several messages, or a single byte. The framer keeps at most one message's bytes
// (MAX_MESSAGE_SIZE_BYTES) whatever the peer sends, and rejects garbage from its first bytes.
import { HEADER_SIZE_BYTES, MAX_MESSAGE_SIZE_BYTES } from './constants.js';
import { PptpDecodeError } from './errors.js';
import { checkHeaderPrefix, decodeMessage, type ControlMessage } from './messages.js';

/** Return false to stop delivery: the rest of the chunk is dropped and the framer stays usable. */
export type MessageSink = (message: ControlMessage) => boolean | void;

export class PptpFramer {
  private readonly pending = Buffer.allocUnsafe(MAX_MESSAGE_SIZE_BYTES);
  private pendingBytes = 0;
  private expectedBytes = 0;
  private failure: PptpDecodeError | undefined;

  /** Bytes held back waiting for the rest of a message; never above MAX_MESSAGE_SIZE_BYTES. */
  get bufferedBytes(): number {
    return this.pendingBytes;
  }

  /**
   * Feeds one chunk. Throws PptpDecodeError on the first invalid byte; after that the stream is
   * unrecoverable (there is no resynchronisation in PPTP), so every later push throws the same error.
   */
  push(chunk: Uint8Array, sink: MessageSink): void {
    if (this.failure) throw this.failure;
    try {
      this.consume(chunk, sink);
    } catch (err) {
      if (err instanceof PptpDecodeError) this.failure = err;
      throw err;
    }
  }

  private consume(chunk: Uint8Array, sink: MessageSink): void {
    let offset = 0;
    const end = chunk.length;
    while (offset < end) {
      if (this.pendingBytes === 0 && end - offset >= HEADER_SIZE_BYTES) {
        // Fast path: the message starts in this chunk; decode it in place without copying.
        const length = checkHeaderPrefix(chunk, offset, HEADER_SIZE_BYTES);
        if (end - offset >= length) {
          const message = decodeMessage(chunk, offset);
          offset += length;
          if (sink(message) === false) return;
          continue;
        }
      }
      const want = this.pendingBytes < HEADER_SIZE_BYTES ? HEADER_SIZE_BYTES : this.expectedBytes;
      const n = Math.min(want - this.pendingBytes, end - offset);
      this.pending.set(chunk.subarray(offset, offset + n), this.pendingBytes);
      this.pendingBytes += n;
      offset += n;
      if (this.pendingBytes <= HEADER_SIZE_BYTES) {
        this.expectedBytes = checkHeaderPrefix(this.pending, 0, this.pendingBytes);
      }
      if (this.expectedBytes > 0 && this.pendingBytes === this.expectedBytes) {
        const message = decodeMessage(this.pending.subarray(0, this.expectedBytes), 0);
        this.pendingBytes = 0;
        this.expectedBytes = 0;
        if (sink(message) === false) return;
      }
    }
  }
}

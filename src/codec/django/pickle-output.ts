import { FRAME_HEADER_SIZE, FRAME_SIZE_MIN, FRAME_SIZE_TARGET, OP } from './pickle-opcodes';

/**
 * The bytes of one pickle as CPython lays them out: opcodes into a growing buffer, cut
 * into frames where CPython cuts them, and the memo counter. What a value becomes is
 * decided by the writer above it; this class only knows where the bytes go.
 */
export abstract class PickleOutput {
  private buf = Buffer.allocUnsafe(256);
  private len = 0;
  private framing = false;
  /** Where the open frame's 9 reserved header bytes start, or -1. */
  private frameStart = -1;
  protected memoSize = 0;

  /** PROTO 5, then framing from the first object on. */
  protected begin(): void {
    this.write(OP.PROTO, 5);
    this.framing = true;
  }

  /** STOP, the last frame closed: the pickle. */
  protected finish(): Buffer {
    this.write(OP.STOP);
    this.commitFrame();
    return this.buf.subarray(0, this.len);
  }

  /** CPython ends a frame that reached its target size before it saves the next object. */
  protected objectBoundary(): void {
    if (this.frameStart !== -1 && this.len - this.frameStart - FRAME_HEADER_SIZE >= FRAME_SIZE_TARGET)
      this.commitFrame();
  }

  /** Most cached strings: one byte per character, copied here; Buffer.write's own overhead was a quarter of a write. */
  protected writeShortAscii(value: string): void {
    this.write(OP.SHORT_BINUNICODE, value.length);
    this.reserve(value.length);
    for (let i = 0; i < value.length; i++) this.buf[this.len++] = value.charCodeAt(i);
  }

  /**
   * str and bytes: the short, 4-byte or 8-byte length form; a payload of a frame's size or
   * more goes outside frames. A string payload is well-formed text, written as UTF-8 in place.
   */
  protected writeSized(payload: Uint8Array | string, short: number, long: number, huge: number): void {
    const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.length;
    const header = size < 256 ? [short, size] : size <= 0xffffffff ? [long, ...uint32(size)] : [huge, ...uint64(size)];
    if (size < FRAME_SIZE_TARGET) {
      this.write(...header);
      this.writeBytes(payload);
      return;
    }
    this.commitFrame();
    this.framing = false;
    this.write(...header);
    this.writeBytes(payload);
    this.framing = true;
  }

  protected memoize(): number {
    this.write(OP.MEMOIZE);
    return this.memoSize++;
  }

  protected memoGet(index: number): void {
    if (index < 256) this.write(OP.BINGET, index);
    else this.write(OP.LONG_BINGET, ...uint32(index));
  }

  protected write(...bytes: number[]): void {
    this.reserve(bytes.length);
    for (const byte of bytes) this.buf[this.len++] = byte;
  }

  protected writeBytes(bytes: Uint8Array | string): void {
    if (typeof bytes === 'string') {
      const size = Buffer.byteLength(bytes, 'utf8');
      this.reserve(size);
      this.len += this.buf.write(bytes, this.len, size, 'utf8');
      return;
    }
    this.reserve(bytes.length);
    this.buf.set(bytes, this.len);
    this.len += bytes.length;
  }

  /** Room for `size` more bytes, and the open frame's header if this write starts one. */
  private reserve(size: number): void {
    const opensFrame = this.framing && this.frameStart === -1;
    const needed = this.len + size + (opensFrame ? FRAME_HEADER_SIZE : 0);
    if (needed > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2));
      this.buf.copy(grown, 0, 0, this.len);
      this.buf = grown;
    }
    if (opensFrame) {
      this.frameStart = this.len;
      this.len += FRAME_HEADER_SIZE;
    }
  }

  private commitFrame(): void {
    if (this.frameStart === -1) return;
    const frameLength = this.len - this.frameStart - FRAME_HEADER_SIZE;
    if (frameLength >= FRAME_SIZE_MIN) {
      this.buf[this.frameStart] = OP.FRAME;
      this.buf.writeBigUInt64LE(BigInt(frameLength), this.frameStart + 1);
    } else {
      this.buf.copyWithin(this.frameStart, this.frameStart + FRAME_HEADER_SIZE, this.len);
      this.len -= FRAME_HEADER_SIZE;
    }
    this.frameStart = -1;
  }
}

/** Little-endian, as every pickle length and LONG_BINGET index. */
export function uint32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, (value >>> 24) & 0xff];
}

function uint64(value: number): number[] {
  const low = value % 2 ** 32;
  return [...uint32(low), ...uint32(Math.floor(value / 2 ** 32))];
}

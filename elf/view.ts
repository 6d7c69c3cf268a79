/**
 * Endian-aware reads over a Buffer through a DataView (inlined by V8, no per-read allocation).
 * 64-bit quantities become Numbers: unsigned ones (sizes, file offsets) are exact below 2^53;
 * addresses are read as signed (`addr64`) so that canonical kernel addresses (0xffff8...) stay
 * exact, as negative numbers. Callers bound-check before reading.
 */
export class BinView {
  readonly dv: DataView;
  constructor(
    readonly buf: Buffer,
    readonly le: boolean,
  ) {
    this.dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  u8(o: number): number {
    return this.dv.getUint8(o);
  }
  u16(o: number): number {
    return this.dv.getUint16(o, this.le);
  }
  u32(o: number): number {
    return this.dv.getUint32(o, this.le);
  }
  i32(o: number): number {
    return this.dv.getInt32(o, this.le);
  }
  /** Unsigned 64-bit as a Number (exact below 2^53). */
  u64(o: number): number {
    const dv = this.dv;
    return this.le
      ? dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true)
      : dv.getUint32(o, false) * 4294967296 + dv.getUint32(o + 4, false);
  }
  /** Signed 64-bit as a Number (exact within +-2^53): addends and addresses. */
  i64(o: number): number {
    const dv = this.dv;
    return this.le
      ? dv.getInt32(o + 4, true) * 4294967296 + dv.getUint32(o, true)
      : dv.getInt32(o, false) * 4294967296 + dv.getUint32(o + 4, false);
  }
}

/** A NUL-terminated string at `off` (to the end of `buf` when unterminated). */
export function cString(buf: Buffer, off: number, encoding: 'latin1' | 'utf8' = 'latin1'): string {
  let end = buf.indexOf(0, off);
  if (end < 0) end = buf.length;
  return buf.toString(encoding, off, end);
}

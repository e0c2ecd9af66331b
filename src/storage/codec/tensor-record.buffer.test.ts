import { describe, expect, it } from 'vitest';
import { decodeTensorRecord, encodeTensorRecord } from './tensor-record.ts';

describe('tensor records decoded from a Node Buffer (a Redis reply)', () => {
  it('decodeTensorRecord(bytes, {copy: true}) of a Buffer is independent of it', () => {
    const rec = encodeTensorRecord({ dtype: 'u8', shape: [3], data: Uint8Array.from([7, 8, 9]) }, 0);
    const buf = Buffer.alloc(rec.length + 3);
    buf.set(rec, 3);
    const view = buf.subarray(3);
    const copy = decodeTensorRecord(view, { copy: true }).tensor.data;
    view.fill(0);
    expect([...copy]).toEqual([7, 8, 9]);
  });
});

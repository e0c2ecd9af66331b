import { describe, expect, it } from 'vitest';
import { parseShapeHeader, prefersSafetensors } from './tensors.ts';

describe('parseShapeHeader', () => {
  it('parseShapeHeader reads "2,3", "[2, 3]" and "" (scalar)', () => {
    expect(parseShapeHeader('2,3')).toEqual([2, 3]);
    expect(parseShapeHeader(' [ 2, 3 ] ')).toEqual([2, 3]);
    expect(parseShapeHeader('0')).toEqual([0]);
    expect(parseShapeHeader('')).toEqual([]);
    expect(parseShapeHeader('[]')).toEqual([]);
  });

  it('parseShapeHeader throws SIRA_ERR_TENSOR_INVALID for anything else', () => {
    for (const h of ['2;3', '2,,3', '-1', '1.5', 'a', '[2,3', '2,3,']) {
      expect(() => parseShapeHeader(h), h).toThrow(expect.objectContaining({ code: 'SIRA_ERR_TENSOR_INVALID' }));
    }
  });
});

describe('prefersSafetensors', () => {
  it('prefersSafetensors(accept) is true only when safetensors ranks above raw bytes', () => {
    expect(prefersSafetensors(undefined)).toBe(false);
    expect(prefersSafetensors('*/*')).toBe(false);
    expect(prefersSafetensors('application/safetensors')).toBe(true);
    expect(prefersSafetensors('application/octet-stream, application/safetensors')).toBe(false);
    expect(prefersSafetensors('application/octet-stream;q=0.5, application/safetensors')).toBe(true);
    expect(prefersSafetensors('application/safetensors;q=0')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isBase64Body } from './response-body.js';

describe('isBase64Body', () => {
  it('sends compressed and binary bodies as base64, text as text', () => {
    expect(
      isBase64Body({ 'content-type': 'application/json; charset=utf-8', 'content-encoding': 'br' }),
    ).toBe(true);
    expect(isBase64Body({ 'content-type': 'text/csv; charset=utf-8', 'content-encoding': 'gzip' })).toBe(
      true,
    );
    expect(isBase64Body({ 'content-type': 'image/png' })).toBe(true);
    expect(isBase64Body({ 'content-type': 'application/octet-stream' })).toBe(true);
    for (const type of [
      'application/json; charset=utf-8',
      'application/problem+json',
      'application/x-ndjson; charset=utf-8',
      'text/csv; charset=utf-8',
      'text/html; charset=utf-8',
      'text/javascript; charset=utf-8',
      'text/plain; version=0.0.4; charset=utf-8',
      'application/openmetrics-text; version=1.0.0; charset=utf-8',
    ]) {
      expect(isBase64Body({ 'content-type': type }), type).toBe(false);
      expect(isBase64Body({ 'content-type': type, 'content-encoding': 'identity' }), type).toBe(false);
    }
    // No body type at all (204, 304, HEAD): nothing to encode.
    expect(isBase64Body({})).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { decodeText } from './decode.js';
import { sniffDelimiter } from './dialect.js';

describe('decodeText', () => {
  it('reads UTF-8 and drops a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Id;País\n', 'utf8')]);
    expect(decodeText(bytes)).toEqual({ text: 'Id;País\n', encoding: 'utf-8' });
  });

  it('falls back to Windows-1252 when the bytes are not UTF-8', () => {
    const bytes = Buffer.from([0x50, 0x61, 0xed, 0x73, 0x3b, 0x80]); // "País;€" in Windows-1252
    expect(decodeText(bytes)).toEqual({ text: 'País;€', encoding: 'windows-1252' });
  });
});

describe('sniffDelimiter', () => {
  it('reads the delimiter from the header line only', () => {
    expect(sniffDelimiter('id;control;produto;1970\n1;a\tb;c;1')).toBe(';');
    expect(sniffDelimiter('Id\tPaís\t1970\t1970\r\n')).toBe('\t');
    expect(sniffDelimiter('<html><body>error</body></html>')).toBeNull();
  });
});

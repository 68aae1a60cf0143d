import { describe, expect, it } from 'vitest';
import { decodeText } from './decode.js';
import { sniffDelimiter } from './dialect.js';

describe('decodeText', () => {
  it('reads UTF-8 and drops a BOM', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('Id;País\n', 'utf8')]);
    expect(decodeText(bytes)).toEqual({ text: 'Id;País\n', encoding: 'utf-8' });
  });

  it('reads Windows-1252 when no byte above 0x7F starts a UTF-8 sequence', () => {
    const bytes = Buffer.from([0x50, 0x61, 0xed, 0x73, 0x3b, 0x80]); // "País;€" in Windows-1252
    expect(decodeText(bytes)).toEqual({ text: 'País;€', encoding: 'windows-1252' });
    // Accented capitals next to each other are not UTF-8 either: "AÇÃO".
    expect(decodeText(Buffer.from([0x41, 0xc7, 0xc3, 0x4f]))).toEqual({
      text: 'AÇÃO',
      encoding: 'windows-1252',
    });
  });

  it('refuses UTF-8 with a few bytes that are not UTF-8 as damaged, rather than misreading every accent', () => {
    const bytes = Buffer.concat([Buffer.from('Suco de uva adoçado;'), Buffer.from([0x61, 0xe7, 0xe3, 0x6f])]);
    expect(decodeText(bytes)).toEqual({
      damaged:
        'mixed encodings: 1 UTF-8 sequences but 2 byte(s) that are not UTF-8 (the first at offset 22); ' +
        'neither UTF-8 nor Windows-1252 reads the whole file',
    });
  });
});

describe('sniffDelimiter', () => {
  it('reads the delimiter from the header line only', () => {
    expect(sniffDelimiter('id;control;produto;1970\n1;a\tb;c;1')).toBe(';');
    expect(sniffDelimiter('Id\tPaís\t1970\t1970\r\n')).toBe('\t');
    expect(sniffDelimiter('<html><body>error</body></html>')).toBeNull();
  });
});

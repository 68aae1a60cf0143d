import { describe, expect, it } from 'vitest';
import {
  dottedValues,
  foldText,
  legacyCellValue,
  normalizeWhitespace,
  parseMeasure,
  parseNumber,
} from './cells.js';

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
  // A thousands group never starts the number with 0 (`0.500` is not 500, `012.345` not 12345).
  it.each([
    '',
    'nd',
    '*',
    '+',
    '-',
    '12a',
    '1,2,3',
    '0.5',
    '12.34',
    '4.4410',
    '.441',
    '1.234.56',
    '1,234.5',
    '0.500',
    '012.345',
    '-0.500',
    '0.000,5',
  ])('%j is not a number', (raw) => expect(parseNumber(raw)).toBeNull());
});

describe('dotted values in a file', () => {
  const rows = (...cells: string[]) => cells.map((cell) => ['1', 'A', cell]);
  it('are thousands when every dotted value is a thousands pattern, all text when one is not', () => {
    expect(dottedValues(rows('1', ' 4.441 ', '1.234.567,8', 'nd', '12,5'), [2])).toBe('thousands');
    expect(dottedValues(rows('1', '12,5'), [2])).toBe('thousands');
    for (const ambiguous of ['12.34', '0.500', '012.345', '.5', '1,234.5', '1.2.3']) {
      expect(dottedValues(rows(' 4.441 ', ambiguous), [2]), ambiguous).toBe('text');
    }
    // Only the measure columns count: a dotted name is no number.
    expect(dottedValues([['1', 'v. 2.0', '4.441']], [2])).toBe('thousands');
  });

  it('as text: ` 4.441 ` stays text, with the text in the flag', () => {
    expect(parseNumber(' 4.441 ', 'text')).toBeNull();
    expect(parseNumber('1.234,5', 'text')).toBeNull();
    expect(parseNumber('35881118,23', 'text')).toBe(35881118.23);
    expect(parseMeasure(' 4.441 ', 'text')).toEqual({ value: null, flag: '4.441' });
    expect(legacyCellValue(' 4.441 ', 'text')).toBe(' 4.441 ');
  });
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatNumber, quantityText } from './fhir-text.ts';
import { humanUnit } from './units.ts';

describe('formatNumber', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [-0, '0'],
    [0.5, '0.5'],
    [0.003, '0.003'],
    [0.04567, '0.0457'],
    [1, '1'],
    [10, '10'],
    [100, '100'],
    [110, '110'],
    [110.13, '110.13'],
    [98.6, '98.6'],
    [1000, '1,000'],
    [12345.678, '12,345.68'],
    [1e6, '1,000,000'],
    [-1, '-1'],
    [-0.5, '-0.5'],
    [-110, '-110'],
    [-12345.678, '-12,345.68'],
    [Number.NaN, '—'],
  ];
  for (const [value, text] of cases)
    it(`${value} reads ${text}`, () => assert.equal(formatNumber(value), text));
});

describe('humanUnit', () => {
  const cases: [string | undefined, string][] = [
    ['mm[Hg]', 'mmHg'],
    ['{score}', 'score'],
    ['mL/min/{1.73_m2}', 'mL/min/1.73 m²'],
    ['/min', '/min'],
    ['{beats}/min', 'beats/min'],
    ['kg/m2', 'kg/m²'],
    ['Cel', '°C'],
    ['[degF]', '°F'],
    ['[lb_av]', 'lb'],
    ['[in_i]', 'in'],
    ['%', '%'],
    ['mg/dL', 'mg/dL'],
    ['10*3/uL', '×10³/µL'],
    ['10*9/L', '×10⁹/L'],
    ['ug/mL', 'µg/mL'],
    ['[IU]/L', 'IU/L'],
    ['1', ''],
    ['mmHg', 'mmHg'],
    ['', ''],
    [undefined, ''],
  ];
  for (const [code, text] of cases)
    it(`${String(code)} reads '${text}'`, () => assert.equal(humanUnit(code), text));
});

describe('quantityText', () => {
  it('writes the number in full and the unit for people, falling back to the ucum code', () => {
    assert.equal(quantityText({ value: 110, unit: 'mm[Hg]' }), '110 mmHg');
    assert.equal(quantityText({ value: 37.2, code: 'Cel', system: 'http://unitsofmeasure.org' }), '37.2 °C');
    assert.equal(quantityText({ value: 4, unit: '1' }), '4');
    assert.equal(quantityText(undefined), '');
  });
});

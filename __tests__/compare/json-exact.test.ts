/**
 * The exact parse's shortcut: JSON.parse's result is used only when every number of the text prints
 * back as written; any other number (a 64-bit id, `1.0`, `1e2`, `-0`) takes the exact parser.
 */
import { describe, expect, test } from '@jest/globals';
import { JsonNumber, numbersRoundTrip, parseJsonExact } from '../../src/archive/json-exact.js';

describe('numbersRoundTrip', () => {
  test('true only when every number prints back as written', () => {
    expect(numbersRoundTrip('{"a": 1, "b": [0, -2, 1.5, 0.25], "c": {"d": 42}}')).toBe(true);
    for (const written of ['1129095060629108148', '1.0', '1e2', '-0', '0.50', '1E5', '12345678901234567.5']) {
      expect(numbersRoundTrip(`{"a": [1, ${written}]}`)).toBe(false);
      expect(numbersRoundTrip(`{"a":${written}}`)).toBe(false);
    }
    expect(numbersRoundTrip('7')).toBe(true);
    expect(numbersRoundTrip('1.10')).toBe(false);
  });

  test('digits inside strings do not force the slow path unless they look like a number token', () => {
    expect(numbersRoundTrip('{"date": "2026-12-02", "id": "1129095060629108148"}')).toBe(true);
  });
});

describe('parseJsonExact', () => {
  test('the shortcut and the exact parser agree: plain numbers stay numbers, others keep their text', () => {
    expect(parseJsonExact('{"a": 1, "b": "1129095060629108148", "c": [0.5]}')).toEqual({ a: 1, b: '1129095060629108148', c: [0.5] });
    const exact = parseJsonExact('{"id": 1129095060629108148, "n": 2, "x": 1.0}') as Record<string, unknown>;
    expect(exact.id).toBeInstanceOf(JsonNumber);
    expect(String(exact.id)).toBe('1129095060629108148');
    expect(exact.n).toBe(2);
    expect(String(exact.x)).toBe('1.0');
  });

  test('"__proto__" stays an own property on either path', () => {
    for (const text of ['{"__proto__": {"x": 1}, "a": 2}', '{"__proto__": {"x": 1}, "a": 1.0}']) {
      const parsed = parseJsonExact(text) as Record<string, unknown>;
      expect(Object.keys(parsed)).toEqual(['__proto__', 'a']);
      expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    }
  });
});

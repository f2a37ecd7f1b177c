import { describe, expect, test } from '@jest/globals';
import { editJsonStrings } from '../../src/archive/json-edit.js';

describe('editJsonStrings', () => {
  const text = '{\n  "id" : 123456789012345678901234567890,\n\t"f": 1.50, "e": 1E+5,\n  "s": "a\\u00e9\\n\\"q\\"",\n' +
    '  "list": [ "x", {"k": "v"}, null, true, false, -0.0 ],\n  "uni": "日本\\ud83d\\ude00", "key\\u0041": "keep"\n}\n';

  test('no edit leaves the text identical (big ints, number spelling, whitespace)', () => {
    const out = editJsonStrings(text, () => undefined);
    expect(out.text).toBe(text);
    expect(out.changes).toEqual([]);
  });

  test('values arrive decoded with their paths; keys are not values', () => {
    const seen: [unknown[], string][] = [];
    editJsonStrings(text, (p, v) => { seen.push([p, v]); return undefined; });
    expect(seen).toEqual([
      [['s'], 'aé\n"q"'],
      [['list', 0], 'x'],
      [['list', 1, 'k'], 'v'],
      [['uni'], '日本😀'],
      [['keyA'], 'keep'],
    ]);
  });

  test('an edit re-encodes only that literal', () => {
    const out = editJsonStrings(text, (p) => (p[0] === 'list' && p[2] === 'k' ? 'new "value"\u2028' : undefined));
    expect(out.text).toBe(text.replace('{"k": "v"}', '{"k": "new \\"value\\"\u2028"}'));
    expect(out.changes).toEqual([{ path: ['list', 1, 'k'], from: 'v', to: 'new "value"\u2028' }]);
    expect(JSON.parse(out.text).list[1].k).toBe('new "value"\u2028');
  });

  test('returning the same value is not a change', () => {
    expect(editJsonStrings('{"a":"\\u0041"}', (_, v) => v).text).toBe('{"a":"\\u0041"}');
  });

  test.each(['', '{', '{"a":}', '{"a":1,}', '[1 2]', '"\u0001"', '{"a":"\\x"}', 'nul', '01', '{} x', "{'a':1}", '"abc'])(
    'invalid JSON %j throws', (bad) => {
      expect(() => editJsonStrings(bad, () => undefined)).toThrow(SyntaxError);
    },
  );

  test('agrees with JSON.parse on what is valid', () => {
    for (const ok of ['0', '-1.5e-3', '"x"', '[]', '{}', ' [ {"a" : [ ] } ] ', 'true']) {
      expect(() => JSON.parse(ok)).not.toThrow();
      expect(editJsonStrings(ok, () => undefined).text).toBe(ok);
    }
  });
});

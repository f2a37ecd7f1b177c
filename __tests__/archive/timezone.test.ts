import { describe, expect, test } from '@jest/globals';
import { UsageError } from '../../src/errors.js';
import { normalizeTimeZone, rewriteExpressionTimeZone } from '../../src/archive/timezone.js';

describe('normalizeTimeZone', () => {
  test.each([
    ['Asia/Shanghai', 'Asia/Shanghai'],
    ['asia/shanghai', 'Asia/Shanghai'],
    ['Europe/Berlin', 'Europe/Berlin'],
    ['America/Argentina/Buenos_Aires', 'America/Argentina/Buenos_Aires'],
    ['UTC', 'UTC'],
    ['utc', 'UTC'],
    ['GMT', 'GMT'],
    ['GMT+8', 'GMT+8'],
    ['GMT+08:00', 'GMT+8'],
    ['UTC+8', 'GMT+8'],
    ['GMT-3:30', 'GMT-3:30'],
    ['GMT+0530', 'GMT+5:30'],
    ['GMT+14', 'GMT+14'],
    ['GMT-0', 'GMT'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeTimeZone(input)).toBe(expected);
  });

  test.each(['', 'Mars/Olympus', 'GMT+15', 'GMT+8:10', 'GMT-13', '+08:00', 'Asia/Shanghai; rm -rf', '../etc', 'Asia//Shanghai'])(
    '%j is a usage error naming the value', (bad) => {
      let err: unknown;
      try { normalizeTimeZone(bad); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as UsageError).message).toContain(JSON.stringify(bad));
      expect((err as UsageError).hint).toMatch(/IANA.*GMT±H\[:MM\]/);
    },
  );
});

describe('rewriteExpressionTimeZone', () => {
  const job = `{
  "name": "j1",   "id": 98765432109876543210,
  "schedule": { "type": "CRON", "cron": {"startTime": "2024-01-01T00:00:00+08", "expression": "0 0 1 * * ?",
      "expressionTimeZone": "GMT+8", "note": {"expressionTimeZone": "keep-me"}}},
  "nodes": [
    {"name": "n0", "cronTrigger": {"expression": "0 * * * * ?", "expressionTimeZone": "Asia/Shanghai", "period": "1 hours"}},
    {"name": "n1", "properties": [{"name": "expressionTimeZone", "value": "GMT+8"}]},
    {"name": "n2", "cronTrigger": {"expressionTimeZone":"Asia/Shanghai"}, "expressionTimeZone": "keep-me-too"},
    {"name": "n3", "cronTrigger": {"expression": "0 * * * * ?"}}
  ],
  "expressionTimeZone": "top-level-untouched", "amount": 1.0
}`;

  test('changes exactly the cron fields, nothing else in the text', () => {
    const out = rewriteExpressionTimeZone(job, 'Europe/Berlin');
    expect(out.changed).toBe(3);
    // The text differs only inside those three literals.
    const expected = job
      .replace('"expressionTimeZone": "GMT+8", "note"', '"expressionTimeZone": "Europe/Berlin", "note"')
      .replace('"expressionTimeZone": "Asia/Shanghai", "period"', '"expressionTimeZone": "Europe/Berlin", "period"')
      .replace('{"expressionTimeZone":"Asia/Shanghai"}', '{"expressionTimeZone":"Europe/Berlin"}');
    expect(out.text).toBe(expected);
    // Parsed: equal once the rewritten fields are deleted; no field was added (n3 has none).
    const before = JSON.parse(job);
    const after = JSON.parse(out.text);
    for (const doc of [before, after]) {
      delete doc.schedule.cron.expressionTimeZone;
      delete doc.nodes[0].cronTrigger.expressionTimeZone;
      delete doc.nodes[2].cronTrigger.expressionTimeZone;
    }
    expect(after).toEqual(before);
    expect(JSON.parse(out.text).nodes[3].cronTrigger).toEqual({ expression: '0 * * * * ?' });
  });

  test('the value is normalised and counted only when it changes', () => {
    const out = rewriteExpressionTimeZone(job, 'UTC+08:00');
    expect(out.changed).toBe(2); // GMT+8 already there
    expect(JSON.parse(out.text).schedule.cron.expressionTimeZone).toBe('GMT+8');
  });

  test('a job without the field is returned unchanged; escaped keys are still found', () => {
    expect(rewriteExpressionTimeZone('{"name":"x"}', 'UTC')).toEqual({ text: '{"name":"x"}', changed: 0 });
    const escaped = '{"schedule":{"cron":{"expressionTime\\u005aone":"GMT+8"}}}';
    expect(rewriteExpressionTimeZone(escaped, 'UTC')).toEqual({ text: '{"schedule":{"cron":{"expressionTime\\u005aone":"UTC"}}}', changed: 1 });
  });

  test('invalid time zone or invalid JSON throws', () => {
    expect(() => rewriteExpressionTimeZone(job, 'nowhere')).toThrow(UsageError);
    expect(() => rewriteExpressionTimeZone('{"name":', 'UTC')).toThrow(SyntaxError);
  });
});

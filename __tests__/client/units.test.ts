/** Pure pieces of the client: globs, paging, backoff, error parsing and the error → exit mapping. */
import { describe, expect, test } from '@jest/globals';
import { globMatcher } from '../../src/util/glob.js';
import { collectPages } from '../../src/api/paging.js';
import { backoffDelay, parseRetryAfter } from '../../src/api/retry.js';
import { errorFromResponse, parseErrorBody, ApiError, UnknownWorkspaceError } from '../../src/api/errors.js';
import { parseObsError, parseObsPath } from '../../src/api/obs.js';
import { AuthError, ServiceError, UsageError, exitCodeFor } from '../../src/errors.js';
import { isLoopbackHost, loadUndici } from '../../src/api/transport.js';
import { Pacer, RATE_SAFETY } from '../../src/api/pacing.js';

describe('glob', () => {
  test.each([
    ['etl_*', 'etl_daily', true],
    ['etl_*', 'my_etl_daily', false],
    ['etl_*', 'ETL_daily', false],
    ['job_00?', 'job_001', true],
    ['job_00?', 'job_0012', false],
    ['[abc]_x', 'b_x', true],
    ['[abc]_x', 'd_x', false],
    ['[!a-z]*', 'Z1', true],
    ['[!a-z]*', 'z1', false],
    ['a.b', 'a.b', true],
    ['a.b', 'axb', false],
    ['(x)+', '(x)+', true],
    ['*', '', true],
  ])('%s vs %s → %s', (pattern, name, expected) => {
    expect(globMatcher([pattern])(name)).toBe(expected);
  });

  test('an unclosed [ or a reversed range is a usage error naming the pattern (issue 10), not a literal', () => {
    expect(() => globMatcher(['[open'])).toThrow(UsageError);
    expect(() => globMatcher(['[z-a]'])).toThrow("--match '[z-a]' is not a valid pattern");
  });

  test('several patterns are a union; none matches everything', () => {
    const m = globMatcher(['a*', 'b*']);
    expect(['a1', 'b2', 'c3'].filter(m)).toEqual(['a1', 'b2']);
    expect(globMatcher([])('anything')).toBe(true);
  });
});

describe('paging by record offset', () => {
  const items = Array.from({ length: 250 }, (_, i) => i);
  const server = (cap: number, total = items.length) => {
    const offsets: number[] = [];
    const fetch = async (offset: number, limit: number) => {
      offsets.push(offset);
      return { total, items: items.slice(offset, offset + Math.min(limit, cap)) };
    };
    return { offsets, fetch };
  };

  test('pages of 100: three calls, everything once', async () => {
    const s = server(100);
    expect(await collectPages('x', s.fetch)).toEqual(items);
    expect(s.offsets).toEqual([0, 100, 200]);
  });

  test('a server that caps pages lower than asked is still read to the total', async () => {
    const s = server(30);
    expect(await collectPages('x', s.fetch)).toEqual(items);
    expect(s.offsets.slice(0, 3)).toEqual([0, 30, 60]);
  });

  test('an empty page before the total is a service error', async () => {
    const s = server(100, 300);
    await expect(collectPages('x', s.fetch)).rejects.toThrow(ServiceError);
  });

  test('more items than the total is a service error', async () => {
    await expect(collectPages('x', async () => ({ total: 1, items: [1, 2] }))).rejects.toThrow(/got 2 items but the service said there are 1/);
  });

  test('an empty list is one call', async () => {
    const s = server(100, 0);
    expect(await collectPages('x', async (o, l) => ({ total: 0, items: (await s.fetch(o, l)).items.slice(0, 0) }))).toEqual([]);
  });
});

describe('backoff', () => {
  const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000, throttleFloorMs: 2000 };
  test('full jitter within base * 2^(n-1), capped', () => {
    expect(backoffDelay(1, policy, { random: () => 0.999 })).toBeLessThan(100);
    expect(backoffDelay(3, policy, { random: () => 0.999 })).toBe(399);
    expect(backoffDelay(10, policy, { random: () => 0.999 })).toBe(999);
    expect(backoffDelay(3, policy, { random: () => 0 })).toBe(0);
  });
  test('Retry-After wins; a 429 without it waits at least the floor', () => {
    expect(backoffDelay(1, policy, { retryAfterMs: 1500 })).toBe(1500);
    expect(backoffDelay(1, policy, { throttled: true, random: () => 0 })).toBe(2000);
    expect(backoffDelay(1, policy, { throttled: true, random: () => 0.999 })).toBeLessThanOrEqual(3000);
  });
  test('Retry-After as seconds or a date', () => {
    expect(parseRetryAfter('3', 0)).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });
});

describe('errors', () => {
  test.each([
    ['{"error_code":"DLF.0100","error_msg":"The job does not exist."}', 'DLF.0100', 'The job does not exist.'],
    ['{"code":"X.1","message":"m"}', 'X.1', 'm'],
    ['{"errorCode":"DLF.3051","errorMsg":"bad"}', 'DLF.3051', 'bad'],
    ['<html>gateway</html>', undefined, '<html>gateway</html>'],
  ])('body %s', (text, code, msg) => {
    const parsed = parseErrorBody(text);
    expect(parsed.errorCode).toBe(code);
    expect(parsed.errorMsg).toBe(msg);
  });

  const ctx = (status: number, errorCode: string, errorMsg: string, authKind: 'aksk' | 'token' = 'aksk') =>
    errorFromResponse({ status, body: { errorCode, errorMsg }, requestId: 'rid-1', method: 'GET', url: 'https://x/v1/p/jobs', authKind });

  test.each([
    ['401 bad signature → AuthError, exit 3', ctx(401, 'APIG.0301', 'verify aksk signature fail'), AuthError, 3],
    ['403 → AuthError, exit 3', ctx(403, 'APIG.0302', 'not authorized'), AuthError, 3],
    // Not an ApiError: nothing may retry it or step the page size down (issue 10).
    ['unknown workspace → UnknownWorkspaceError, exit 3', ctx(400, 'DLF.0819', 'workspace does not exist'), UnknownWorkspaceError, 3],
    ['business error → ApiError, exit 6', ctx(400, 'DLF.3051', 'invalid'), ApiError, 6],
  ])('%s', (_name, err, cls, code) => {
    expect(err).toBeInstanceOf(cls);
    expect(exitCodeFor(err)).toBe(code);
    expect(err.message).toContain('rid-1');
  });

  test('wording: signature rejected for AK/SK, token for tokens, clock for skew', () => {
    expect(ctx(401, 'APIG.0301', 'verify aksk signature fail').message).toMatch(/rejected the request signature/);
    expect(ctx(401, 'APIG.0301', 'token expires', 'token').message).toMatch(/token/);
    expect(ctx(401, 'APIG.0301', 'the request time (X-Sdk-Date) differs from the server time by more than 15 minutes').hint).toMatch(/clock/);
  });

  test('OBS XML errors', () => {
    expect(parseObsError('<?xml version="1.0"?><Error><Code>NoSuchBucket</Code><Message>The bucket does not exist</Message><RequestId>r9</RequestId></Error>')).toEqual({
      errorCode: 'NoSuchBucket',
      errorMsg: 'The bucket does not exist',
      requestId: 'r9',
    });
  });
});

describe('obs paths and loopback', () => {
  test.each([
    ['obs://bucket/prefix/', 'bucket', 'prefix/'],
    ['obs://bucket/a/b', 'bucket', 'a/b/'],
    ['obs://bucket', 'bucket', ''],
  ])('%s', (s, bucket, prefix) => {
    expect(parseObsPath(s)).toEqual({ bucket, prefix });
  });
  test.each(['s3://bucket/x', 'obs://', 'obs://UPPER/x', 'obs://bucket/../x'])('%s is a usage error', (s) => {
    expect(() => parseObsPath(s)).toThrow(UsageError);
  });
  test.each([['127.0.0.1', true], ['localhost', true], ['[::1]', true], ['10.0.0.1', false], ['example.com', false]])('%s loopback: %s', (h, b) => {
    expect(isLoopbackHost(h as string)).toBe(b);
  });
});

describe('undici, loaded lean', () => {
  test('the client loads undici from its own modules (not the index), with the locked version', async () => {
    // If a later undici moves these modules the index is loaded instead (it still works, at
    // about four times the start-up cost): this test says so when the lock file is updated.
    const parts = await loadUndici();
    expect(parts.loadedFrom).toBe('modules');
    expect(typeof new parts.Agent().request).toBe('function');
  });
});

describe('pacing at the documented rate', () => {
  /** A pacer on a clock of its own: sleeping moves the clock (plus `lateMs`, a busy event loop). */
  async function pacedStarts(calls: number, lateMs = 0): Promise<number[]> {
    let clock = 0;
    const pacer = new Pacer({ maxConcurrent: 1000, now: () => clock, sleep: async (ms) => void (clock += ms + lateMs) });
    const starts: number[] = [];
    for (let i = 0; i < calls; i++) {
      const release = await pacer.acquire('dlf10', undefined, 'batch-export');
      starts.push(clock);
      release();
    }
    return starts;
  }
  const interval = 1000 / (10 * RATE_SAFETY);

  test('evenly spaced at 95 % of 10/s, no burst: never 11 starts in a second', async () => {
    const starts = await pacedStarts(25);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeCloseTo(interval, 6);
    for (let i = 10; i < starts.length; i++) expect(starts[i]! - starts[i - 10]!).toBeGreaterThan(1000);
  });

  test('a timer that fires late delays the next call, never lets two through together', async () => {
    const starts = await pacedStarts(40, 300);
    for (let i = 1; i < starts.length; i++) expect(starts[i]! - starts[i - 1]!).toBeGreaterThanOrEqual(interval - 1e-9);
  });
});

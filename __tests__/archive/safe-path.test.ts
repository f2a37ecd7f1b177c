import { describe, expect, test } from '@jest/globals';
import os from 'node:os';
import path from 'node:path';
import { ArchiveError } from '../../src/errors.js';
import { entryNameProblem, resolveInside } from '../../src/archive/safe-path.js';

describe('entryNameProblem', () => {
  test.each([
    ['jobs/a/a.job', undefined],
    ['jobs/日本語/日本語.job', undefined],
    ['jobs/', undefined],
    ['jobs/a b/x.script', undefined],
    ['', 'empty entry name'],
    ['/etc/passwd', 'absolute path'],
    ['C:\\x', 'entry name contains a backslash'],
    ['C:/x', 'absolute path (drive letter)'],
    ['\\\\host\\share', 'entry name contains a backslash'],
    ['jobs/../x', "'..' path segment"],
    ['..', "'..' path segment"],
    ['jobs/./x', "'.' path segment"],
    ['jobs//x', 'empty path segment (//)'],
    ['jobs/a\\b', 'entry name contains a backslash'],
    ['jobs/a\u0000', 'entry name contains a NUL character'],
    ['jobs/a\nb', 'entry name contains a control character'],
    ['jobs/a\u007f', 'entry name contains a control character'],
    ['jobs/\uFFFD', 'entry name is not valid UTF-8'],
    [`jobs/${'a'.repeat(256)}`, 'path segment longer than 255 bytes'],
    [`${'abcdefgh/'.repeat(120)}x`, 'entry name longer than 1024 bytes'],
  ])('%j → %j', (name, problem) => {
    expect(entryNameProblem(name)).toBe(problem);
  });
});

describe('resolveInside', () => {
  const root = path.join(os.tmpdir(), 'root-for-resolve');
  test('safe names resolve under root', () => {
    expect(resolveInside(root, 'jobs/a/a.job')).toBe(path.join(root, 'jobs', 'a', 'a.job'));
  });
  test.each(['../x', '/abs', 'a/../../x', '', '.', 'a\\..\\..\\x'])('%j is refused with ArchiveError', (rel) => {
    expect(() => resolveInside(root, rel)).toThrow(ArchiveError);
  });
});

/**
 * Our SDK-HMAC-SHA256 signer against the official SDK's signer (devDependency, test oracle only)
 * on the cases stack.md lists, plus the known answer recorded there.
 */
import { describe, expect, test } from '@jest/globals';
import { createRequire } from 'node:module';
import { signSdkRequest } from '../src/auth/sign-sdk.js';

const require = createRequire(import.meta.url);
const { AKSKSigner } = require('@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner') as {
  AKSKSigner: { sign(request: unknown, credential: { getAk(): string; getSk(): string }): Record<string, string> };
};

const AK = 'HPUAEXAMPLEAK0000001';
const SK = 'exampleSecretKey0000000000000000000000001';
const credential = { getAk: () => AK, getSk: () => SK };
const NOW = new Date(Date.UTC(2024, 0, 1, 0, 0, 0));

interface Case {
  name: string;
  method: string;
  /** URL without query, path already encoded as on the wire. */
  base: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body?: Record<string, unknown>;
}

function urlWithQuery(c: Case): string {
  const url = new URL(c.base);
  for (const [k, v] of Object.entries(c.query)) url.searchParams.set(k, v);
  return url.toString();
}

function ours(c: Case): string {
  const body = c.body === undefined ? undefined : JSON.stringify(c.body);
  return signSdkRequest({ method: c.method, url: urlWithQuery(c), headers: c.headers, body }, { ak: AK, sk: SK }, NOW)['Authorization']!;
}

function oracle(c: Case): string {
  const request = { method: c.method, endpoint: c.base, queryParams: c.query, headers: { ...c.headers, 'X-Sdk-Date': '20240101T000000Z' }, data: c.body };
  return AKSKSigner.sign(request, credential)['Authorization']!;
}

const PROJECT = '0123456789abcdef0123456789abcdef';
const cases: Case[] = [
  {
    name: 'POST with a query holding spaces and slashes, and a JSON body',
    method: 'POST',
    base: `https://dataarts.cn-north-4.myhuaweicloud.com/v1/${PROJECT}/jobs`,
    query: { offset: '0', limit: '10', name: 'a b/c' },
    headers: { 'Content-Type': 'application/json', 'X-Project-Id': PROJECT },
    body: { name: 'job1', nested: { ok: true } },
  },
  {
    name: 'GET with no body and a workspace header',
    method: 'GET',
    base: `https://dayu-dlf.cn-north-4.myhuaweicloud.com/v1/${PROJECT}/jobs`,
    query: { jobType: 'REAL_TIME', limit: '100', offset: '200' },
    headers: { 'Content-Type': 'application/json;charset=UTF-8', 'X-Project-Id': PROJECT, workspace: 'a1b2c3' },
  },
  {
    name: 'custom port, an encoded path and UNSIGNED-PAYLOAD',
    method: 'POST',
    base: `http://127.0.0.1:8443/v1/${PROJECT}/jobs/my%20job%2Fx/export`,
    query: {},
    headers: { 'Content-Type': 'application/json', 'X-Sdk-Content-Sha256': 'UNSIGNED-PAYLOAD' },
    body: { exportDepend: true },
  },
  {
    name: 'query value with reserved characters and a sorted key order',
    method: 'GET',
    base: `https://dayu-dlf.cn-north-4.myhuaweicloud.com/v1/${PROJECT}/jobs/%E4%BD%9C%E4%B8%9A`,
    query: { z: '1', a: "it's (ok)*!~", m: '' },
    headers: { 'X-Project-Id': PROJECT },
  },
];

describe('SDK-HMAC-SHA256 signer', () => {
  test.each(cases.map((c) => [c.name, c] as const))('matches the official signer: %s', (_name, c) => {
    expect(ours(c)).toBe(oracle(c));
  });

  test('known answer from stack.md', () => {
    const auth = ours(cases[0]!);
    expect(auth).toBe(
      `SDK-HMAC-SHA256 Access=${AK}, SignedHeaders=content-type;host;x-project-id;x-sdk-date, Signature=ce5569e428e356f9971c513fda30f7601daf07482ae093ced5947b7b1957d033`,
    );
  });

  test('a different secret key gives a different signature (the test can fail)', () => {
    const c = cases[1]!;
    const other = signSdkRequest({ method: c.method, url: urlWithQuery(c), headers: c.headers }, { ak: AK, sk: `${SK}x` }, NOW)['Authorization'];
    expect(other).not.toBe(ours(c));
  });
});

/** Signed requests against the emulator for the emulator's own tests. */
import { signSdkRequest } from '../../src/auth/sign-sdk.js';
import { obsAuthorization } from '../../src/auth/sign-obs.js';
import type { Emulator } from '../../src/emulator/index.js';

export interface CallOptions {
  query?: Record<string, string | number>;
  body?: unknown;
  workspace?: string;
  sk?: string;
  token?: string;
  date?: Date;
  projectId?: string;
  headers?: Record<string, string>;
}

export interface CallResult {
  status: number;
  headers: Headers;
  json: any;
  bytes: Buffer;
}

/** A DataArts call signed with AK/SK (or sent with a token). `path` is relative to /v1/{project}/. */
export async function call(emu: Emulator, method: string, path: string, opts: CallOptions = {}): Promise<CallResult> {
  const url = new URL(`${emu.url}/v1/${opts.projectId ?? emu.credentials.projectId}/${path}`);
  for (const [k, v] of Object.entries(opts.query ?? {})) url.searchParams.set(k, String(v));
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  const base: Record<string, string> = { 'Content-Type': 'application/json', ...opts.headers };
  if (opts.workspace) base.workspace = opts.workspace;
  const headers = opts.token
    ? { ...base, 'X-Auth-Token': opts.token }
    : signSdkRequest({ method, url: url.toString(), headers: base, body }, { ak: emu.credentials.ak, sk: opts.sk ?? emu.credentials.sk }, opts.date ?? new Date());
  delete (headers as Record<string, string>).Host;
  const res = await fetch(url, { method, headers, body });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: any;
  if ((res.headers.get('content-type') ?? '').includes('json') && bytes.length > 0) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, headers: res.headers, json, bytes };
}

export async function obsPut(emu: Emulator, bucket: string, key: string, data: Buffer, opts: { sk?: string; date?: Date } = {}): Promise<Response> {
  const date = (opts.date ?? new Date()).toUTCString();
  const contentType = 'application/zip';
  const resource = `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  const authorization = obsAuthorization({ method: 'PUT', contentMd5: '', contentType, date, headers: {}, resource }, emu.credentials.ak, opts.sk ?? emu.credentials.sk);
  return fetch(`${emu.url}${resource}`, { method: 'PUT', headers: { Date: date, 'Content-Type': contentType, Authorization: authorization }, body: data });
}

export async function waitForTask(emu: Emulator, taskId: string, workspace?: string): Promise<any> {
  for (let i = 0; i < 400; i++) {
    const r = await call(emu, 'GET', `system-tasks/${taskId}`, { workspace });
    if (r.json.status !== 'RUNNING') return r.json;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('task did not finish');
}

/** IAM `POST /v3/auth/tokens`, password method, project scope (reference §11). */
import { randomBytes } from 'node:crypto';
import { sendJson, type Exchange } from './http.js';
import type { EmulatorState } from './state.js';

export interface IamConfig {
  username: string;
  password: string;
  domain: string;
  projectId: string;
  /** (inferred) project name accepted in scope.project.name */
  projectName: string;
  tokenTtlMs: number;
}

function iamError(ex: Exchange, status: number, message: string): void {
  ex.log.errorCode = String(status);
  sendJson(ex, status, { error: { code: status, message, title: status === 401 ? 'Unauthorized' : 'Bad Request' } });
}

export function handleIam(ex: Exchange, state: EmulatorState, cfg: IamConfig, now: number): void {
  state.tokenRequests += 1;
  let body: any;
  try {
    body = JSON.parse(ex.body.toString('utf8'));
  } catch {
    return iamError(ex, 400, 'The request body is not valid JSON.');
  }
  const identity = body?.auth?.identity;
  const user = identity?.password?.user;
  if (!Array.isArray(identity?.methods) || !identity.methods.includes('password') || !user) {
    return iamError(ex, 400, 'Only the password method is supported by the emulator.');
  }
  if (user.name !== cfg.username || user.password !== cfg.password || user.domain?.name !== cfg.domain) {
    return iamError(ex, 401, 'The username or password is wrong.');
  }
  const project = body?.auth?.scope?.project;
  if (!project || (project.id !== cfg.projectId && project.name !== cfg.projectName)) {
    return iamError(ex, 401, 'The token scope must be this emulator\'s project (id or name).');
  }
  const token = `MIIemulator${randomBytes(48).toString('base64url')}`;
  const expiresAt = now + cfg.tokenTtlMs;
  state.tokens.set(token, { user: cfg.username, expiresAt, revoked: false });
  const noCatalog = (ex.query.get('nocatalog') ?? '') !== '';
  sendJson(
    ex,
    201,
    {
      token: {
        expires_at: new Date(expiresAt).toISOString(),
        issued_at: new Date(now).toISOString(),
        methods: ['password'],
        ...(noCatalog ? {} : { catalog: [] }),
        project: { id: cfg.projectId, name: cfg.projectName, domain: { id: 'emulatordomainid', name: cfg.domain } },
        user: { id: 'emulatoruserid', name: cfg.username, domain: { id: 'emulatordomainid', name: cfg.domain } },
        roles: [{ id: '0', name: 'op_user' }],
      },
    },
    { 'X-Subject-Token': token },
  );
}

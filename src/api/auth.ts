/**
 * How DataArts requests prove who they are: an SDK-HMAC-SHA256 signature (AK/SK), a given IAM
 * token, or a token obtained from IAM for a user (one token request per run, shared by every
 * request, refreshed once when the service answers 401).
 */
import { signSdkRequest } from '../auth/sign-sdk.js';
import { registerSecret } from '../auth/redact.js';
import { ServiceError } from '../errors.js';
import type { Credentials } from '../config/types.js';
import type { AuthKind, HttpClient, OutgoingRequest } from './http.js';
import { missingEndpointError } from '../config/load.js';

export interface Authenticator {
  kind: AuthKind;
  authorize(req: OutgoingRequest): Promise<Record<string, string>>;
  /** On 401: true when fresh credentials were obtained and the request may be sent once more. */
  onUnauthorized?: () => Promise<boolean>;
}

export interface AuthenticatorDeps {
  http: HttpClient;
  now: () => Date;
  iamEndpoint: string;
  projectId: string;
}

export function createAuthenticator(creds: Credentials, deps: AuthenticatorDeps): Authenticator {
  switch (creds.kind) {
    case 'aksk':
      return {
        kind: 'aksk',
        authorize: async (req) =>
          signSdkRequest({ method: req.method, url: req.url, headers: req.headers, body: req.body }, { ak: creds.ak, sk: creds.sk, securityToken: creds.securityToken }, deps.now()),
      };
    case 'token':
      return { kind: 'token', authorize: async (req) => ({ ...req.headers, 'X-Auth-Token': creds.token }) };
    case 'password':
      return new IamUserAuthenticator(creds, deps);
  }
}

class IamUserAuthenticator implements Authenticator {
  readonly kind = 'password' as const;
  private token?: Promise<string>;
  private refresh?: Promise<boolean>;

  constructor(
    private readonly creds: Extract<Credentials, { kind: 'password' }>,
    private readonly deps: AuthenticatorDeps,
  ) {}

  async authorize(req: OutgoingRequest): Promise<Record<string, string>> {
    // One shared promise: concurrent first requests wait for the same token request.
    this.token ??= this.requestToken();
    return { ...req.headers, 'X-Auth-Token': await this.token };
  }

  /** Refresh once per run; every request that saw the 401 shares that one refresh. */
  onUnauthorized = (): Promise<boolean> => {
    this.refresh ??= (async () => {
      this.token = this.requestToken();
      await this.token;
      return true;
    })();
    return this.refresh;
  };

  private async requestToken(): Promise<string> {
    if (this.deps.iamEndpoint === '') throw missingEndpointError('iamEndpoint');
    const url = `${this.deps.iamEndpoint}/v3/auth/tokens?nocatalog=true`;
    const body = Buffer.from(
      JSON.stringify({
        auth: {
          identity: { methods: ['password'], password: { user: { name: this.creds.username, password: this.creds.password, domain: { name: this.creds.domain } } } },
          scope: { project: { id: this.deps.projectId } },
        },
      }),
    );
    const res = await this.deps.http.send({
      method: 'POST',
      url,
      headers: { 'Content-Type': 'application/json;charset=utf8', Accept: 'application/json' },
      body,
      apiClass: 'none',
      safe: true, // a token request changes nothing: repeating it is harmless
      authKind: 'iam',
    });
    const token = res.headers['x-subject-token'];
    if (!token) throw new ServiceError(`IAM answered ${res.status} without an X-Subject-Token header`, { hint: `Check the IAM endpoint (${this.deps.iamEndpoint}).` });
    registerSecret(token);
    return token;
  }
}

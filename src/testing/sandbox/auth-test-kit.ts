import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import type { FhirResource, SandboxDataStore, SandboxOrganization } from '../../sandbox/model.ts';
import { jwtBearerAssertionType } from '../../sandbox/auth/client-authenticator.ts';

/**
 * Helpers for tests that drive the sandbox authorization server over real HTTP: a client JWKS server, client
 * assertions, PKCE pairs and a tiny data store. Used by the sandbox's own tests and the connector's.
 */

export interface TestClientKey {
  kid: string;
  alg: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export async function createTestClientKey(alg = 'RS384'): Promise<TestClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, publicJwk };
}

export interface TestJwksServer {
  url: string;
  keys: TestClientKey[];
  /** Cache-Control header value sent with the set (undefined: none). */
  cacheControl: string | undefined;
  /** Status to answer with instead of the set (e.g. 500 or 404). */
  failWith: number | undefined;
  fetches(): number;
  close(): Promise<void>;
}

/** A real HTTP server on 127.0.0.1 serving the client's JWK Set and counting fetches. */
export async function startTestJwksServer(keys: TestClientKey[]): Promise<TestJwksServer> {
  let fetches = 0;
  const state: TestJwksServer = {
    url: '',
    keys,
    cacheControl: 'max-age=300',
    failWith: undefined,
    fetches: () => fetches,
    close: () => closeServer(server),
  };
  const server: Server = createServer((_req, res) => {
    fetches += 1;
    if (state.failWith) {
      res.writeHead(state.failWith).end();
      return;
    }
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (state.cacheControl !== undefined) headers['cache-control'] = state.cacheControl;
    res.writeHead(200, headers).end(JSON.stringify({ keys: state.keys.map((key) => key.publicJwk) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  return state;
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** A client assertion; `header` and `claims` override the defaults (set a claim to undefined to drop it). */
export async function createTestAssertion(opts: {
  key: TestClientKey;
  clientId: string;
  aud: string | string[];
  now: number;
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
}): Promise<string> {
  const iat = Math.floor(opts.now / 1000);
  const claims: Record<string, unknown> = {
    iss: opts.clientId,
    sub: opts.clientId,
    aud: opts.aud,
    jti: randomUUID(),
    iat,
    exp: iat + 240,
    ...opts.claims,
  };
  for (const name of Object.keys(claims)) if (claims[name] === undefined) delete claims[name];
  const header: Record<string, unknown> = {
    alg: opts.key.alg,
    kid: opts.key.kid,
    typ: 'JWT',
    ...opts.header,
  };
  for (const name of Object.keys(header)) if (header[name] === undefined) delete header[name];
  return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(opts.key.privateKey);
}

export function createAssertionParams(assertion: string): Record<string, string> {
  return { client_assertion_type: jwtBearerAssertionType, client_assertion: assertion };
}

export function createPkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

export async function postForm(url: string, params: Record<string, string>): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(params).toString(),
  });
}

/** Two organisations with two patients each, enough for the authorization server alone. */
export function createTinyDataStore(): SandboxDataStore {
  const orgs: SandboxOrganization[] = [
    {
      id: 'org-a',
      name: 'Northwind General Hospital',
      patients: [
        { id: 'eA1.pat-1', username: 'annaalpha', displayName: 'Anna Alpha' },
        { id: 'eA1.pat-2', username: 'bobbeta', displayName: 'Bob Beta' },
      ],
    },
    {
      id: 'org-b',
      name: 'Lakeside Regional <Medical> Center',
      patients: [{ id: 'eB2.pat-3', username: 'carolgamma', displayName: 'Carol Gamma' }],
    },
  ];
  return {
    organizations: () => orgs,
    organization: (orgId) => orgs.find((org) => org.id === orgId),
    patientResources: (): FhirResource[] => [],
    read: () => undefined,
  };
}

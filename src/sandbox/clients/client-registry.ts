import type { SandboxClient } from '../model.ts';

/**
 * The sandbox's registered apps, like the client list Epic keeps per organisation: client id, JWK Set URL,
 * exact redirect URIs and the Incoming APIs the app selected. Tests and the demo add clients at run time.
 */
export interface ClientRegistry {
  get(clientId: string): SandboxClient | undefined;
  list(): SandboxClient[];
  /** Adds or replaces a client (the demo registers its own connector this way). */
  register(client: SandboxClient): void;
  /** Changes fields of a registered client, e.g. its JWKS URL to simulate a site that cannot fetch it. */
  update(clientId: string, changes: Partial<Omit<SandboxClient, 'clientId'>>): void;
  remove(clientId: string): void;
  /** The Incoming APIs granted to a client; empty means every API. */
  grantedApis(clientId: string): string[];
}

export function createClientRegistry(initial: SandboxClient[] = []): ClientRegistry {
  const clients = new Map<string, SandboxClient>();
  const register = (client: SandboxClient): void => {
    validateClient(client);
    clients.set(client.clientId, { ...client, redirectUris: [...client.redirectUris] });
  };
  for (const client of initial) register(client);
  return {
    get: (clientId) => clients.get(clientId),
    list: () => [...clients.values()],
    register,
    update: (clientId, changes) => {
      const current = clients.get(clientId);
      if (!current) throw new TypeError(`sandbox client "${clientId}" is not registered`);
      register({ ...current, ...changes, clientId });
    },
    remove: (clientId) => {
      clients.delete(clientId);
    },
    grantedApis: (clientId) => clients.get(clientId)?.grantedApis ?? [],
  };
}

function validateClient(client: SandboxClient): void {
  if (!client.clientId) throw new TypeError('a sandbox client needs a clientId');
  if (!isHttpUrl(client.jwksUrl)) throw new TypeError(`client "${client.clientId}" has an invalid jwksUrl`);
  for (const uri of client.redirectUris) {
    if (!isHttpUrl(uri)) throw new TypeError(`client "${client.clientId}" has an invalid redirect uri`);
  }
}

/** Only http(s) URLs: a `javascript:` or `data:` redirect URI would turn the authorize redirect into script. */
function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

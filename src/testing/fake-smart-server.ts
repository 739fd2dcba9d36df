import { Hono } from 'hono';
import { startHttpServer } from '../http/start-server.ts';

/**
 * A bare SMART server on 127.0.0.1:0 that only answers discovery: enough for `directory add` to accept a FHIR
 * base that no directory has yet.
 */
export async function startFakeSmartServer(): Promise<{ fhirBase: string; close(): Promise<void> }> {
  const holder: { origin?: string } = {};
  const app = new Hono().get('/fhir/.well-known/smart-configuration', (c) =>
    c.json({
      issuer: `${holder.origin}/oauth2`,
      authorization_endpoint: `${holder.origin}/oauth2/authorize`,
      token_endpoint: `${holder.origin}/oauth2/token`,
      capabilities: ['launch-standalone', 'client-confidential-asymmetric'],
      code_challenge_methods_supported: ['S256'],
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
    }),
  );
  const server = await startHttpServer(app, { host: '127.0.0.1', port: 0 });
  holder.origin = `http://127.0.0.1:${server.port}`;
  return { fhirBase: `${holder.origin}/fhir`, close: () => server.close() };
}

import { Hono } from 'hono';
import type { KeyStore } from '../../keys/key-store.ts';

/** How long EHRs may cache our JWKS: an hour, so a newly published key reaches them well inside Epic's 29 h. */
export const jwksMaxAgeSeconds = 3600;

/** `GET /.well-known/jwks.json`: the public signing keys (never a private member), RSA first. */
export function createJwksRoutes(keys: KeyStore): Hono {
  const app = new Hono();
  app.get('/.well-known/jwks.json', (c) => {
    c.header('Cache-Control', `public, max-age=${jwksMaxAgeSeconds}`);
    c.header('Content-Type', 'application/json');
    return c.body(JSON.stringify(keys.publicJwks()));
  });
  return app;
}

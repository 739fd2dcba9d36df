import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';

/**
 * Wraps fetch at the edge between chartbridge and the sandbox and remembers every secret that crosses it (codes,
 * verifiers, assertions, access/refresh/id tokens), so a test can prove none of them reached logs, responses or
 * audit rows (docs/reliability-cases.md, "Every test").
 */
export interface SecretRecorder {
  fetch: typeof fetch;
  secrets: Set<string>;
  add(value: string | null | undefined): void;
  /** Records a private key (PKCS#8 PEM): each line of its body and its private JWK members (`d`, `p`, …). */
  addPrivateKey(pem: string): void;
  /** Fails naming the kind of place (never the secret) if any recorded secret occurs in `text`. */
  assertAbsent(text: string, where: string): void;
}

const SECRET_FORM_FIELDS = ['code', 'code_verifier', 'client_assertion', 'refresh_token', 'token'];
const SECRET_JSON_FIELDS = ['access_token', 'refresh_token', 'id_token'];
/** The members of a private JWK that are secret (RSA and EC); the rest (`n`, `e`, `x`, `y`) are public. */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi'];

export function createSecretRecorder(inner: typeof fetch = globalThis.fetch): SecretRecorder {
  const secrets = new Set<string>();
  const add = (value: string | null | undefined) => {
    if (value && value.length >= 8) secrets.add(value);
  };
  const recordingFetch = (async (input: string | URL | Request, init?: RequestInit) => {
    if (init?.body instanceof URLSearchParams || typeof init?.body === 'string') {
      const form = new URLSearchParams(init.body);
      for (const field of SECRET_FORM_FIELDS) add(form.get(field));
    }
    const response = await inner(input, init);
    if ((response.headers.get('content-type') ?? '').includes('json') && String(input).includes('/oauth2/')) {
      const text = await response.clone().text();
      try {
        const json = JSON.parse(text) as Record<string, unknown>;
        for (const field of SECRET_JSON_FIELDS)
          if (typeof json[field] === 'string') add(json[field] as string);
      } catch {
        // not JSON after all: nothing to record
      }
    }
    return response;
  }) as typeof fetch;
  return {
    fetch: recordingFetch,
    secrets,
    add,
    addPrivateKey(pem) {
      // Any one 64-character line of the key is enough to call it leaked.
      for (const line of pem.split('\n')) if (!line.startsWith('-----')) add(line.trim());
      const jwk = createPrivateKey(pem).export({ format: 'jwk' }) as Record<string, unknown>;
      for (const member of PRIVATE_JWK_MEMBERS)
        if (typeof jwk[member] === 'string') add(jwk[member] as string);
    },
    assertAbsent(text, where) {
      for (const secret of secrets) {
        assert.ok(!text.includes(secret), `a secret issued by the sandbox appears in ${where}`);
      }
    },
  };
}

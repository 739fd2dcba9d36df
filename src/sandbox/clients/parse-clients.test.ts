import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isChartbridgeError } from '../../errors.ts';
import { createClientRegistry } from './client-registry.ts';
import { loadClientsFile, parseClientFlag } from './parse-clients.ts';

const dir = mkdtempSync(join(tmpdir(), 'sandbox-clients-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function expectInvalidInput(run: () => unknown, message: string): void {
  assert.throws(run, (error) => isChartbridgeError(error, 'ERR_INVALID_INPUT') && error.message === message);
}

describe('--client flags', () => {
  it('reads the id, the JWKS URL and any redirect URIs', () => {
    assert.deepEqual(
      parseClientFlag(
        'app-1=http://127.0.0.1:3000/jwks.json,http://127.0.0.1:3000/callback,https://x.example/cb',
      ),
      {
        clientId: 'app-1',
        jwksUrl: 'http://127.0.0.1:3000/jwks.json',
        redirectUris: ['http://127.0.0.1:3000/callback', 'https://x.example/cb'],
        grantedApis: [],
      },
    );
    assert.deepEqual(parseClientFlag('app=https://a.example/jwks').redirectUris, []);
  });

  it('refuses a flag without id, without url, or with a non-http url', () => {
    const usage = 'expected <id>=<jwksUrl>[,<redirectUri>…] with http(s) urls';
    expectInvalidInput(
      () => parseClientFlag('=http://a/jwks'),
      `invalid --client "=http://a/jwks": ${usage}`,
    );
    expectInvalidInput(() => parseClientFlag('app'), `invalid --client "app": ${usage}`);
    expectInvalidInput(() => parseClientFlag('app=ftp://a/jwks'), `invalid --client "app": ${usage}`);
    expectInvalidInput(
      () => parseClientFlag('app=http://a/jwks,javascript:alert(1)'),
      `invalid --client "app": ${usage}`,
    );
  });
});

describe('clients file', () => {
  it('reads an array or a {clients} object, with granted APIs', async () => {
    const client = {
      clientId: 'a',
      jwksUrl: 'http://127.0.0.1/j',
      redirectUris: ['http://127.0.0.1/cb'],
      grantedApis: ['Patient.Read (R4)'],
    };
    const arrayFile = join(dir, 'array.json');
    writeFileSync(arrayFile, JSON.stringify([client]));
    assert.deepEqual(await loadClientsFile(arrayFile), [client]);
    const objectFile = join(dir, 'object.json');
    writeFileSync(
      objectFile,
      JSON.stringify({ clients: [{ clientId: 'b', jwksUrl: 'https://b.example/j' }] }),
    );
    assert.deepEqual(await loadClientsFile(objectFile), [
      { clientId: 'b', jwksUrl: 'https://b.example/j', redirectUris: [], grantedApis: [] },
    ]);
  });

  it('names the file and the bad field', async () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ clientId: 'a', jwksUrl: 'not a url' }]));
    await assert.rejects(loadClientsFile(bad), {
      code: 'ERR_INVALID_INPUT',
      message: `clients file "${bad}" is invalid at "0.jwksUrl": expect clientId, jwksUrl, redirectUris[], grantedApis[]`,
    });
    const notJson = join(dir, 'not.json');
    writeFileSync(notJson, '{');
    await assert.rejects(loadClientsFile(notJson), {
      code: 'ERR_INVALID_INPUT',
      message: `clients file "${notJson}" is not valid JSON`,
    });
  });
});

describe('client registry', () => {
  it('registers, updates, removes and reports granted APIs', () => {
    const registry = createClientRegistry([
      { clientId: 'a', jwksUrl: 'http://h/j', redirectUris: [], grantedApis: ['X (R4)'] },
    ]);
    assert.deepEqual(registry.grantedApis('a'), ['X (R4)']);
    registry.update('a', { jwksUrl: 'http://h/other' });
    assert.equal(registry.get('a')?.jwksUrl, 'http://h/other');
    assert.throws(() => registry.update('zzz', {}), TypeError);
    assert.throws(
      () => registry.register({ clientId: 'b', jwksUrl: 'nope', redirectUris: [], grantedApis: [] }),
      TypeError,
    );
    const script = {
      clientId: 'c',
      jwksUrl: 'http://h/j',
      redirectUris: ['javascript:alert(1)'],
      grantedApis: [],
    };
    assert.throws(() => registry.register(script), TypeError);
    registry.remove('a');
    assert.deepEqual(registry.list(), []);
    assert.deepEqual(registry.grantedApis('a'), []);
  });
});

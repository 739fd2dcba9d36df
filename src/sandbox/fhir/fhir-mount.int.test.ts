import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startSandbox, type Sandbox } from '../sandbox.ts';

let sandbox: Sandbox;

before(async () => {
  sandbox = await startSandbox();
});
after(() => sandbox.close());

describe('FHIR server inside startSandbox()', () => {
  it('serves each organisation at its FHIR base, with metadata pointing at its issuer', async () => {
    for (const org of sandbox.orgs()) {
      const res = await fetch(`${org.fhirBase}/metadata`);
      assert.equal(res.status, 200);
      const uris = (await res.json()) as {
        rest: { security: { extension: { extension: { url: string; valueUri: string }[] }[] } }[];
      };
      const authorize = uris.rest[0]!.security.extension[0]!.extension.find((e) => e.url === 'authorize')!;
      assert.equal(authorize.valueUri, `${org.issuer}/authorize`);
    }
  });

  it('checks the bearer before anything else and logs that none was sent', async () => {
    const [org] = sandbox.orgs();
    sandbox.requestLog.clear();
    const patient = sandbox.data.organization(org!.id)!.patients[0]!;
    const res = await fetch(`${org!.fhirBase}/Observation?patient=${patient.id}&category=laboratory`);
    assert.equal(res.status, 401);
    assert.equal(await res.text(), '');
    assert.deepEqual(
      sandbox.requestLog.entries().map((entry) => [entry.status, entry.bearer, entry.orgId]),
      [[401, false, org!.id]],
    );
  });
});

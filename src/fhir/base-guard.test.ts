import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBaseGuard } from './base-guard.ts';

describe('base guard (case 32)', () => {
  const guard = createBaseGuard('https://ehr.example.org/org-a/api/FHIR/R4/');
  const under = (ref: string) => guard.isUnderBase(guard.resolve(ref));

  it('accepts the base, relative references and paths under it', () => {
    assert.equal(guard.base, 'https://ehr.example.org/org-a/api/FHIR/R4');
    assert.equal(under('Observation?patient=1'), true);
    assert.equal(under('https://ehr.example.org/org-a/api/FHIR/R4/Binary/abc'), true);
    assert.equal(under('https://EHR.example.org:443/org-a/api/FHIR/R4/Patient/1'), true);
    assert.equal(under('https://ehr.example.org/org-a/api/FHIR/R4'), true);
  });

  it('refuses other hosts, userinfo tricks, look-alikes, ports, schemes and paths outside the base', () => {
    for (const ref of [
      'https://evil.example.org/org-a/api/FHIR/R4/Patient/1',
      'https://ehr.example.org@evil.example.org/org-a/api/FHIR/R4/Patient/1',
      'https://user:pw@ehr.example.org/org-a/api/FHIR/R4/Patient/1',
      'https://ehr.example.org.evil.net/org-a/api/FHIR/R4/Patient/1',
      'https://ehr-example.org/org-a/api/FHIR/R4/Patient/1',
      'https://ehr.example.org:8443/org-a/api/FHIR/R4/Patient/1',
      'http://ehr.example.org/org-a/api/FHIR/R4/Patient/1',
      'ftp://ehr.example.org/org-a/api/FHIR/R4/Patient/1',
      'javascript:alert(1)',
      'data:text/html,hi',
      'file:///etc/passwd',
      'https://ehr.example.org/org-b/api/FHIR/R4/Patient/1',
      'https://ehr.example.org/org-a/api/FHIR/R4evil/Patient/1',
      '../../org-b/api/FHIR/R4/Patient/1',
      'https://ehr.example.org/org-a/api/FHIR/R4/%2e%2e/%2e%2e/x',
      '//evil.example.org/x',
      'https://127.0.0.1/org-a/api/FHIR/R4/Patient/1',
    ]) {
      assert.equal(under(ref), false, ref);
    }
  });

  it('names only the foreign origin when it refuses', () => {
    assert.throws(
      () => guard.requireUnderBase('https://evil.example.org/steal?patient=123', 'a next link'),
      (error: Error & { code?: string }) =>
        error.code === 'ERR_ORIGIN_MISMATCH' &&
        error.message ===
          "refused a next link at 'https://evil.example.org': it is outside the connection's fhir base 'https://ehr.example.org/org-a/api/FHIR/R4'",
    );
  });
});

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

  it('accepts next links whose path differs from the base only in letter case (real servers do this)', () => {
    const lower = createBaseGuard('https://ehr.example.org/fhir/r4');
    const ok = (ref: string) => lower.isUnderBase(lower.resolve(ref));
    assert.equal(ok('https://ehr.example.org/fhir/R4/Procedure?page=2&patient=1'), true);
    assert.equal(ok('https://ehr.example.org/FHIR/R4/Procedure?sessionID=abc'), true);
    assert.equal(under('https://ehr.example.org/ORG-A/api/fhir/r4/Observation?_getpages=x'), true);
    // Case is the only slack: other origins, ports, userinfo and paths outside the base stay refused.
    for (const ref of [
      'https://EVIL.example.org/fhir/R4/Procedure',
      'https://ehr.example.org:8443/fhir/R4/Procedure',
      'https://u@ehr.example.org/fhir/R4/Procedure',
      'https://ehr.example.org/FHIR/R4evil/Procedure',
      'https://ehr.example.org/FHIR/R4/../admin',
      'https://ehr.example.org/FHIR/admin',
      'http://ehr.example.org/fhir/R4/Procedure',
    ]) {
      assert.equal(ok(ref), false, ref);
    }
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

import { it } from 'node:test';
import assert from 'node:assert/strict';
import { crossReference, formatCrossReferenceCsv } from './cross-reference.ts';
import { formatCsv } from './csv.ts';

it('finds activated organisations without endpoints and endpoints that are not activated', () => {
  const report = crossReference(
    [
      { orgId: '1', orgName: 'One', approved: 1, ecmId: 'E1' },
      { orgId: '2', orgName: 'Two', approved: 1, ecmId: null },
      { orgId: '3', orgName: 'Three', approved: 3, ecmId: null },
    ],
    [
      { endpointId: 'a', organizationId: 'o1', name: 'One', fhirBase: 'https://one/R4', portalOrgId: '1' },
      {
        endpointId: 'c',
        organizationId: 'o3',
        name: 'Three',
        fhirBase: 'https://three/R4',
        portalOrgId: '3',
      },
    ],
  );
  assert.deepEqual(report.activatedWithoutEndpoint, [{ orgId: '2', orgName: 'Two', ecmId: null }]);
  assert.deepEqual(report.endpointsNotActivated, [
    {
      endpointId: 'c',
      name: 'Three',
      fhirBase: 'https://three/R4',
      portalOrgId: '3',
      reason: 'not-activated',
      approved: 3,
    },
  ]);
  assert.equal(
    formatCrossReferenceCsv(report),
    'kind,portalOrgId,name,endpointId,fhirBase,reason\r\n' +
      'activated-without-endpoint,2,Two,,,no endpoint in the directory\r\n' +
      'endpoint-not-activated,3,Three,c,https://three/R4,not-activated\r\n',
  );
});

it('quotes CSV fields and defuses spreadsheet formulas', () => {
  assert.equal(
    formatCsv(['a', 'b'], [{ a: 'Mercy, "North"', b: '=HYPERLINK("x")' }]),
    'a,b\r\n"Mercy, ""North""","\'=HYPERLINK(""x"")"\r\n',
  );
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildApproveForm,
  parseDownload,
  planActivation,
  readApproveAnswer,
  type PortalDownload,
} from './activation-plan.ts';

const org = (orgId: string, approved: number, orgName = `Org ${orgId}`): PortalDownload => ({
  orgId,
  orgName,
  approved,
  ecmId: null,
});

describe('activation plan', () => {
  it('reads a LoadDownloads row and refuses unknown Approved states', () => {
    assert.deepEqual(parseDownload({ Id: '1234_99', OrgName: 'Mercy', Approved: 3, ECMId: 'E1' }), {
      orgId: '1234',
      orgName: 'Mercy',
      approved: 3,
      ecmId: 'E1',
    });
    assert.equal(parseDownload({ Id: '1234_99', Approved: 2 }), undefined);
    assert.equal(parseDownload({ Approved: 0 }), undefined);
  });

  it('plans two calls for new organisations and one for non-production-only ones, failures last', () => {
    const plan = planActivation([org('1', 0), org('2', 3), org('3', 1), org('4', 0), org('5', 3)], {
      mode: 'jwks-url',
      failures: { '4': 'Failed to register client for download.' },
    });
    assert.deepEqual(
      plan.needsBoth.map((o) => o.orgId),
      ['1'],
    );
    assert.deepEqual(
      plan.needsProd.map((o) => o.orgId),
      ['2', '5'],
    );
    assert.deepEqual(
      plan.failingBefore.map((o) => [o.orgId, o.steps]),
      [['4', ['nonprod', 'prod']]],
    );
    assert.deepEqual(
      plan.done.map((o) => o.orgId),
      ['3'],
    );
    assert.deepEqual(
      plan.work.map((o) => o.orgId),
      ['1', '2', '5', '4'],
    );
    assert.equal(plan.calls, 6);
  });

  it('plans one direct call per organisation that is not done', () => {
    const plan = planActivation([org('1', 0), org('2', 3), org('3', 1)], { mode: 'direct-jwks' });
    assert.deepEqual(
      plan.work.map((o) => o.steps),
      [['direct'], ['direct']],
    );
    assert.equal(plan.calls, 2);
  });

  it('filters by OrgId or name fragment with --only and --exclude', () => {
    const orgs = [org('10', 0, 'Mercy Hospital'), org('11', 0, 'Mercy Clinic'), org('12', 0, 'Summit')];
    const plan = planActivation(orgs, { mode: 'jwks-url', only: ['mercy', '12'], exclude: ['clinic'] });
    assert.deepEqual(
      plan.work.map((o) => o.orgId),
      ['10', '12'],
    );
    assert.equal(plan.filteredOut, 1);
  });

  it("builds Epic's ApproveDownload form and reads both Success flags", () => {
    const form = buildApproveForm('7', '99', 'prod', '{"keys":[]}');
    assert.deepEqual(Object.keys(form), [
      'OrgId',
      'AppId',
      'Testhash',
      'Testhash256',
      'Prodhash',
      'Prodhash256',
      'NonProdOnly',
      'ProdOnly',
      'FhirIdGenerationScheme',
      'OverrideNonProdClientId',
      'OverrideProdClientId',
      'TestJWKS',
      'ProdJWKS',
    ]);
    assert.deepEqual([form.NonProdOnly, form.ProdOnly, form.TestJWKS], ['false', 'true', '']);
    assert.equal(buildApproveForm('7', '99', 'direct', 'J').ProdJWKS, 'J');
    assert.deepEqual(readApproveAnswer({ Success: true, Data: { Success: true } }), { ok: true });
    assert.deepEqual(
      readApproveAnswer({
        Success: true,
        Data: { Success: false, Message: 'Failed to register client for download.' },
      }),
      {
        ok: false,
        message: 'Failed to register client for download.',
      },
    );
    assert.deepEqual(readApproveAnswer({ Success: false, Message: 'Download request could not be found.' }), {
      ok: false,
      message: 'Download request could not be found.',
    });
  });
});

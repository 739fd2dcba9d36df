import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isChartbridgeError } from '../errors.ts';
import { loadSafeguardsConfig } from './safeguards-config.ts';

test('defaults: 6 years of audit, 30 days of revoked data, 10 re-authorisations in 10 minutes, 10 wrong keys per 15 minutes', () => {
  assert.deepEqual(loadSafeguardsConfig({}), {
    auditRetentionMs: 2190 * 86_400_000,
    revokedDataMs: 30 * 86_400_000,
    reauthBurst: { count: 10, windowMs: 10 * 60_000 },
    apiKeyLockout: { maxFailures: 10, windowMs: 15 * 60_000 },
  });
  assert.equal(loadSafeguardsConfig({ CHARTBRIDGE_REVOKED_DATA_DAYS: '0' }).revokedDataMs, 0);
});

test('a bad value stops with one line naming the variable', () => {
  for (const [name, value] of [
    ['CHARTBRIDGE_AUDIT_RETENTION_DAYS', '-1'],
    ['CHARTBRIDGE_REVOKED_DATA_DAYS', 'soon'],
    ['CHARTBRIDGE_REAUTH_ALERT_MINUTES', '0'],
    ['CHARTBRIDGE_API_KEY_MAX_FAILURES', '1.5'],
  ] as const) {
    assert.throws(
      () => loadSafeguardsConfig({ [name]: value }),
      (error) =>
        isChartbridgeError(error, 'ERR_CONFIG_INVALID') && error.message.startsWith(`invalid ${name}: `),
    );
  }
});

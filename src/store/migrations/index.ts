import type { MigrationStep } from '../migrate.ts';
import * as core from './001-core.ts';
import * as connectSpine from './002-connect-spine.ts';
import * as directory from './003-directory.ts';
import * as jobs from './004-jobs.ts';
import * as sync from './005-sync.ts';
import * as directoryIndexes from './006-directory-indexes.ts';
import * as syncProgress from './007-sync-progress.ts';
import * as syncDropped from './008-sync-dropped.ts';
import * as endpointKind from './009-endpoint-kind.ts';
import * as attachmentRetries from './010-attachment-retries.ts';
import * as revocationOutbox from './013-revocation-outbox.ts';
import * as scopeVersion from './014-scope-version.ts';
import * as auditIndexes from './015-audit-indexes.ts';
import * as scheduleRelease from './016-schedule-release.ts';

/** Every migration in the order it applies. Add a new file and one line here; never edit an applied one. */
export const migrations: MigrationStep[] = [
  { name: '001-core', up: core.up },
  { name: '002-connect-spine', up: connectSpine.up },
  { name: '003-directory', up: directory.up },
  { name: '004-jobs', up: jobs.up },
  { name: '005-sync', up: sync.up },
  { name: '006-directory-indexes', up: directoryIndexes.up },
  { name: '007-sync-progress', up: syncProgress.up },
  { name: '008-sync-dropped', up: syncDropped.up },
  { name: '009-endpoint-kind', up: endpointKind.up },
  { name: '010-attachment-retries', up: attachmentRetries.up },
  { name: '013-revocation-outbox', up: revocationOutbox.up },
  { name: '014-scope-version', up: scopeVersion.up },
  { name: '015-audit-indexes', up: auditIndexes.up },
  { name: '016-schedule-release', up: scheduleRelease.up },
];

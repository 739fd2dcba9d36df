import type { MigrationStep } from '../migrate.ts';
import * as core from './001-core.ts';

/** Every migration in the order it applies. Add a new file and one line here; never edit an applied one. */
export const migrations: MigrationStep[] = [{ name: '001-core', up: core.up }];

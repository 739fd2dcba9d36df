import type { Command } from 'commander';
import { loadConfig } from '../config/config.ts';
import { openStore } from '../store/database.ts';
import { migrateToLatest } from '../store/migrate.ts';

export function registerMigrateCommand(program: Command): void {
  program
    .command('migrate')
    .description('create or upgrade the database schema (CHARTBRIDGE_DATABASE_URL)')
    .action(async () => {
      const config = loadConfig();
      const store = openStore(config.databaseUrl);
      try {
        const applied = await migrateToLatest(store);
        console.log(
          applied.length
            ? `applied ${applied.length} migration(s): ${applied.join(', ')}`
            : 'schema is up to date',
        );
      } finally {
        await store.close();
      }
    });
}

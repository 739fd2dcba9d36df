import type { Command } from 'commander';
import { withDemoDefaults } from './cli-services.ts';
import { runDoctorChecks } from '../doctor/doctor-checks.ts';

/** `chartbridge doctor [org]`: config, keys, JWKS reachability and each endpoint's discovery, with explanations. */
export function registerDoctorCommand(program: Command): void {
  program
    .command('doctor [org]')
    .description(
      'check configuration, keys, JWKS reachability, and discovery + token endpoint of each endpoint (or one organization)',
    )
    .option('--json', 'print JSON for scripts')
    .option('--data <dir>', "a demo's data folder, used for whatever the environment does not set", './data')
    .action(async (org: string | undefined, options: { json?: boolean; data: string }) => {
      const checks = await runDoctorChecks({ env: withDemoDefaults(process.env, options.data), org });
      if (options.json) console.log(JSON.stringify(checks, null, 2));
      else
        for (const check of checks)
          console.log(`${check.status.toUpperCase().padEnd(5)} ${check.name}: ${check.detail}`);
      const failed = checks.filter((c) => c.status === 'fail').length;
      if (!options.json) console.log(failed ? `${failed} check(s) failed` : 'all checks passed');
      if (failed) process.exitCode = 1;
    });
}

import type { Command } from 'commander';
import { parseWholeNumber } from './directory-query-command.ts';

/**
 * `directory generate`: a synthetic Brands bundle for load tests and benchmarks. The generator is the sandbox's,
 * so this is one of the few product modules allowed to import src/sandbox/ (eslint.config.js).
 */
export function registerDirectoryGenerateCommand(group: Command): void {
  group
    .command('generate')
    .description('write a full-size synthetic Brands bundle (~96,600 organisations, ~817 endpoints, ~95 MB)')
    .requiredOption('--out <file>', 'file to write')
    .option('--seed <n>', 'random seed (same seed, same file)', '1')
    .option('--organizations <n>', 'organisations (brands + facilities)', '96600')
    .option('--endpoints <n>', 'endpoints', '817')
    .action(async (options: { out: string; seed: string; organizations: string; endpoints: string }) => {
      // Imported inside the action, so that other directory commands never load the sandbox.
      const { writeSyntheticBrandsBundle } = await import('../sandbox/brands/generate-brands-bundle.ts');
      const summary = await writeSyntheticBrandsBundle(
        options.out,
        {
          seed: parseWholeNumber(options.seed, '--seed'),
          organizations: parseWholeNumber(options.organizations, '--organizations'),
          endpoints: parseWholeNumber(options.endpoints, '--endpoints'),
        },
        (n) => process.stderr.write(`\rgenerated ${n} organisations`),
      );
      process.stderr.write('\n');
      console.log(
        `wrote ${options.out}: ${summary.organizations} organisations (${summary.brands} brands, ` +
          `${summary.facilities} facilities), ${summary.endpoints} endpoints, ${summary.bytes} bytes`,
      );
    });
}

import type { Command } from 'commander';
import { ChartbridgeError } from '../errors.ts';
import { createPortalClient } from '../portal/portal-client.ts';
import { resolvePortalSession } from '../portal/portal-session.ts';

/** Options every command that talks to the portal shares. */
export function addPortalSessionOptions(command: Command): Command {
  return command
    .requiredOption('--app-id <id>', 'the app id (the number in /Developer/Management?id=…)')
    .option('--portal-url <url>', 'developer portal base URL', 'https://fhir.epic.com')
    .option(
      '--cookie <header>',
      'the Cookie request header of your signed-in portal session (or CHARTBRIDGE_PORTAL_COOKIE)',
    )
    .option(
      '--verification-token <value>',
      'the __RequestVerificationToken value (or CHARTBRIDGE_PORTAL_TOKEN)',
    )
    .option('--session-file <path>', 'JSON file {"cookie": …, "verificationToken": …}')
    .option('--page-size <n>', 'organisations per LoadDownloads page', '1000');
}

export interface PortalSessionFlags {
  appId: string;
  portalUrl: string;
  cookie?: string;
  verificationToken?: string;
  sessionFile?: string;
  pageSize: string;
}

export function createClientFromFlags(flags: PortalSessionFlags) {
  if (!/^\d+$/.test(flags.appId)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `invalid --app-id '${flags.appId}': give the number from the portal URL`,
    );
  }
  if (!/^https?:\/\/[^/]+/.test(flags.portalUrl)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `invalid --portal-url '${flags.portalUrl}': give an http(s) URL`,
    );
  }
  const session = resolvePortalSession({ ...flags, env: process.env });
  return createPortalClient({ portalUrl: flags.portalUrl, session });
}

export function parseCount(value: string, flag: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `invalid ${flag} '${value}': give a whole number`);
  }
  return n;
}

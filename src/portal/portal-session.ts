import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ChartbridgeError } from '../errors.ts';

/**
 * The operator's signed-in fhir.epic.com browser session: the Cookie request header and the value of the hidden
 * `__RequestVerificationToken` input. Taken from flags, then the environment, then a JSON session file
 * (`{"cookie": "…", "verificationToken": "…"}`). Both are secrets: never logged, never in an error message.
 */
export interface PortalSession {
  cookie: string;
  verificationToken: string;
}

export interface PortalSessionSources {
  cookie?: string;
  verificationToken?: string;
  sessionFile?: string;
  env?: Record<string, string | undefined>;
}

const sessionFileSchema = z.object({ cookie: z.string().min(1), verificationToken: z.string().min(1) });

export function resolvePortalSession(sources: PortalSessionSources): PortalSession {
  const env = sources.env ?? {};
  const fromFile = sources.sessionFile ? readSessionFile(sources.sessionFile) : undefined;
  const cookie = normalizeCookie(sources.cookie ?? env.CHARTBRIDGE_PORTAL_COOKIE ?? fromFile?.cookie);
  const verificationToken = (
    sources.verificationToken ??
    env.CHARTBRIDGE_PORTAL_TOKEN ??
    fromFile?.verificationToken ??
    ''
  ).trim();
  if (!cookie) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      'no portal session cookie: pass --cookie, set CHARTBRIDGE_PORTAL_COOKIE or use --session-file ' +
        '(docs/epic-setup.md, "copy the portal session")',
    );
  }
  if (!verificationToken) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      'no portal verification token: pass --verification-token, set CHARTBRIDGE_PORTAL_TOKEN or use ' +
        '--session-file (docs/epic-setup.md, "copy the portal session")',
    );
  }
  if (/[\r\n]/.test(cookie) || /[\s]/.test(verificationToken)) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      'the portal cookie or verification token contains line breaks or spaces: copy the value only, on one line',
    );
  }
  return { cookie, verificationToken };
}

function readSessionFile(path: string): PortalSession {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `cannot read the session file '${path}': check the path`,
      {
        cause: error,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const result = sessionFileSchema.safeParse(parsed);
  if (!result.success) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `the session file '${path}' must be JSON with non-empty "cookie" and "verificationToken" strings`,
    );
  }
  return result.data;
}

// Operators paste "Cookie: a=b; c=d" as often as "a=b; c=d".
function normalizeCookie(value: string | undefined): string {
  return (value ?? '').trim().replace(/^cookie:\s*/i, '');
}

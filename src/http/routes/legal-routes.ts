import { readFileSync } from 'node:fs';
import { Hono } from 'hono';
import type { LegalConfig } from '../../config/legal-config.ts';
import { ChartbridgeError } from '../../errors.ts';
import { defaultLegalText, renderLegalPage, type LegalPage } from '../../web/legal-pages.tsx';

/** Files larger than this are not terms a patient reads; refusing them keeps a wrong path from loading a dump. */
const MAX_TEXT_BYTES = 256 * 1024;

/**
 * `GET /terms` and `GET /privacy`, public. The operator's files are read once at start (a wrong path stops the
 * server with one line naming the variable), so the pages never touch the disk per request.
 */
export function createLegalRoutes(options: {
  legal: LegalConfig;
  publicUrl: string;
  /** CHARTBRIDGE_REVOKED_DATA_DAYS: the default privacy text says when a disconnected copy goes. */
  revokedDataDays: number;
}): Hono {
  const operator = options.legal.operatorName ?? new URL(options.publicUrl).host;
  const texts: Record<LegalPage, string> = {
    terms:
      readTextFile('CHARTBRIDGE_TERMS_FILE', options.legal.termsFile) ??
      defaultLegalText('terms', operator, options.publicUrl, options.revokedDataDays),
    privacy:
      readTextFile('CHARTBRIDGE_PRIVACY_FILE', options.legal.privacyFile) ??
      defaultLegalText('privacy', operator, options.publicUrl, options.revokedDataDays),
  };
  const routes = new Hono();
  for (const page of ['terms', 'privacy'] as const)
    routes.get(`/${page}`, (c) => c.html(renderLegalPage({ page, text: texts[page], operator })));
  return routes;
}

function readTextFile(variable: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `invalid ${variable}: cannot read '${path}' (${code}); point it at a text file or unset it`,
    );
  }
  if (bytes.length > MAX_TEXT_BYTES)
    throw new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `invalid ${variable}: '${path}' is larger than 256 KB; point it at the plain text of the page`,
    );
  return bytes.toString('utf8');
}

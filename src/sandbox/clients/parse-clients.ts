import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ChartbridgeError } from '../../errors.ts';
import type { SandboxClient } from '../model.ts';

const httpUrl = z
  .string()
  .refine((value) => /^https?:\/\//.test(value) && URL.canParse(value), 'not an http(s) url');

const clientSchema = z.object({
  clientId: z.string().min(1).max(200),
  jwksUrl: httpUrl,
  redirectUris: z.array(httpUrl).default([]),
  grantedApis: z.array(z.string()).default([]),
});

const clientsFileSchema = z.union([z.array(clientSchema), z.object({ clients: z.array(clientSchema) })]);

/**
 * Parses one `--client <id>=<jwksUrl>[,<redirectUri>…]` flag. Every API is granted; use a clients file to
 * grant fewer.
 */
export function parseClientFlag(value: string): SandboxClient {
  const separator = value.indexOf('=');
  const clientId = separator > 0 ? value.slice(0, separator) : '';
  const urls = separator > 0 ? value.slice(separator + 1).split(',') : [];
  const parsed = clientSchema.safeParse({ clientId, jwksUrl: urls[0], redirectUris: urls.slice(1) });
  if (!parsed.success) {
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `invalid --client "${clientId || value.slice(0, 40)}": expected <id>=<jwksUrl>[,<redirectUri>…] with http(s) urls`,
    );
  }
  return parsed.data;
}

/** Reads a clients file: `[{clientId, jwksUrl, redirectUris, grantedApis}]` or `{ "clients": [...] }`. */
export async function loadClientsFile(path: string): Promise<SandboxClient[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `cannot read clients file "${path}": check the path`, {
      cause,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ChartbridgeError('ERR_INVALID_INPUT', `clients file "${path}" is not valid JSON`, { cause });
  }
  const parsed = clientsFileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join('.') : '';
    throw new ChartbridgeError(
      'ERR_INVALID_INPUT',
      `clients file "${path}" is invalid at "${where}": expect clientId, jwksUrl, redirectUris[], grantedApis[]`,
    );
  }
  return Array.isArray(parsed.data) ? parsed.data : parsed.data.clients;
}

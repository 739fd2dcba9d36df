import { z } from 'zod';
import { ChartbridgeError } from '../errors.ts';
import { SCOPE_VERSION_SETTINGS, type ScopeVersionSetting } from './scope-version-setting.ts';
import { loadLegalConfig, type LegalConfig } from './legal-config.ts';
import { loadSafeguardsConfig, type SafeguardsConfig } from './safeguards-config.ts';

/**
 * Everything chartbridge reads from the environment, validated once at start. A bad value stops the process with
 * one line naming the variable and the fix (case 12).
 */
/** The callback paths chartbridge answers; the configured one is the redirect URI sent to the EHR. */
export const REDIRECT_PATHS = ['/callback', '/api/auth/smart/callback'] as const;

const portSchema = z.coerce.number().int().min(0).max(65535);

const envSchema = z.object({
  CHARTBRIDGE_DATABASE_URL: z
    .string()
    .default('sqlite:./data/chartbridge.db')
    .refine((v) => /^sqlite:.+/.test(v) || /^postgres(ql)?:\/\/.+/.test(v), {
      message: "must start with 'sqlite:' or 'postgres://'",
    }),
  CHARTBRIDGE_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  CHARTBRIDGE_KEYS_DIR: z.string().min(1).optional(),
  CHARTBRIDGE_PRIVATE_KEYS: z.string().min(1).optional(),
  CHARTBRIDGE_ENCRYPTION_KEY: z.string().optional(),
  CHARTBRIDGE_API_KEY: z.string().min(16, { message: 'must be at least 16 characters' }).optional(),
  CHARTBRIDGE_EPIC_CLIENT_ID: z.string().min(1).optional(),
  CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD: z.string().min(1).optional(),
  CHARTBRIDGE_GENERIC_CLIENT_ID: z.string().min(1).optional(),
  CHARTBRIDGE_DIRECTORY_URL: z.url().optional(),
  // The SMART scope grammar launches ask in where an endpoint has no setting of its own (smart/scope-version.ts).
  CHARTBRIDGE_SCOPE_VERSION: z.enum(SCOPE_VERSION_SETTINGS, { message: 'must be v1, v2 or auto' }).optional(),
  CHARTBRIDGE_APP_ORIGINS: z
    .string()
    .optional()
    .refine((v) => !v || v.split(',').every((o) => URL.canParse(o.trim())), {
      message: 'must be a comma-separated list of origins like https://app.example.com',
    }),
  CHARTBRIDGE_WEBHOOK_URL: z.url({ protocol: /^https?$/ }).optional(),
  CHARTBRIDGE_WEBHOOK_SECRET: z.string().min(1).optional(),
  // The redirect URI registered with the EHR is the public URL plus this path; both paths answer callbacks.
  CHARTBRIDGE_REDIRECT_PATH: z
    .enum(REDIRECT_PATHS, { message: `must be ${REDIRECT_PATHS.join(' or ')}` })
    .default('/callback'),
  CHARTBRIDGE_LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
    .default('info'),
  PORT: portSchema.default(3000),
  // Set: /metrics is served here without the API key (and no longer on PORT); unset: on PORT behind the key.
  CHARTBRIDGE_METRICS_PORT: portSchema.optional(),
  HOST: z.string().min(1).default('127.0.0.1'),
});

export type EnvConfig = z.infer<typeof envSchema>;

export interface Config {
  databaseUrl: string;
  /** Base of redirect URIs and the JWKS URL, without a trailing slash. */
  publicUrl: string;
  /** `{publicUrl}{CHARTBRIDGE_REDIRECT_PATH}`: the redirect URI sent to the EHR (it must be registered there). */
  redirectUri: string;
  keysDir: string | undefined;
  privateKeysPem: string | undefined;
  encryptionKey: string | undefined;
  apiKey: string | undefined;
  clientIds: { epicProduction?: string; epicNonProduction?: string; generic?: string };
  directoryUrl: string | undefined;
  /** `CHARTBRIDGE_SCOPE_VERSION`; unset: each vendor's default (Epic v1, others auto). */
  scopeVersion?: ScopeVersionSetting;
  /** Origins (besides publicUrl) a connect session's returnUrl may point at (open-redirect guard). */
  appOrigins: string[];
  /** Where sync-completion webhooks go, signed with the secret (HMAC-SHA256); absent = none sent. */
  webhook: { url: string; secret: string } | undefined;
  logLevel: string;
  port: number;
  host: string;
  /** CHARTBRIDGE_METRICS_PORT: `/metrics` on its own port (HOST), without the API key; undefined = on `port`. */
  metricsPort: number | undefined;
  /** `/terms` and `/privacy` (legal-config.ts). */
  legal: LegalConfig;
  /** Audit retention, revoked-data erasure, the re-authorisation burst alert, the API key lockout. */
  safeguards: SafeguardsConfig;
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? 'environment');
    throw new ChartbridgeError('ERR_CONFIG_INVALID', `invalid ${name}: ${issue.message.toLowerCase()}`);
  }
  const e = parsed.data;
  const publicUrl = (e.CHARTBRIDGE_PUBLIC_URL ?? `http://localhost:${e.PORT}`).replace(/\/+$/, '');
  return {
    databaseUrl: e.CHARTBRIDGE_DATABASE_URL,
    publicUrl,
    redirectUri: `${publicUrl}${e.CHARTBRIDGE_REDIRECT_PATH}`,
    keysDir: e.CHARTBRIDGE_KEYS_DIR,
    privateKeysPem: e.CHARTBRIDGE_PRIVATE_KEYS,
    encryptionKey: e.CHARTBRIDGE_ENCRYPTION_KEY,
    apiKey: e.CHARTBRIDGE_API_KEY,
    clientIds: {
      epicProduction: e.CHARTBRIDGE_EPIC_CLIENT_ID,
      epicNonProduction: e.CHARTBRIDGE_EPIC_CLIENT_ID_NONPROD,
      generic: e.CHARTBRIDGE_GENERIC_CLIENT_ID,
    },
    directoryUrl: e.CHARTBRIDGE_DIRECTORY_URL,
    scopeVersion: e.CHARTBRIDGE_SCOPE_VERSION,
    appOrigins: (e.CHARTBRIDGE_APP_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean)
      .map((o) => new URL(o).origin),
    webhook:
      e.CHARTBRIDGE_WEBHOOK_URL && e.CHARTBRIDGE_WEBHOOK_SECRET
        ? { url: e.CHARTBRIDGE_WEBHOOK_URL, secret: e.CHARTBRIDGE_WEBHOOK_SECRET }
        : undefined,
    logLevel: e.CHARTBRIDGE_LOG_LEVEL,
    port: e.PORT,
    host: e.HOST,
    metricsPort: e.CHARTBRIDGE_METRICS_PORT,
    legal: loadLegalConfig(env),
    safeguards: loadSafeguardsConfig(env),
  };
}

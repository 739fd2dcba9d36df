import { z } from 'zod';
import { ChartbridgeError } from '../errors.ts';

/**
 * The operator's own words for `/terms` and `/privacy` (Epic's registration asks for a Terms and Conditions URL):
 * text files, and the name of whoever operates this installation, which the default texts state.
 */
const legalEnvSchema = z.object({
  CHARTBRIDGE_TERMS_FILE: z.string().min(1).optional(),
  CHARTBRIDGE_PRIVACY_FILE: z.string().min(1).optional(),
  CHARTBRIDGE_OPERATOR_NAME: z.string().trim().min(1).max(200).optional(),
});

export interface LegalConfig {
  termsFile: string | undefined;
  privacyFile: string | undefined;
  operatorName: string | undefined;
}

export function loadLegalConfig(env: Record<string, string | undefined>): LegalConfig {
  const parsed = legalEnvSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ChartbridgeError(
      'ERR_CONFIG_INVALID',
      `invalid ${String(issue.path[0])}: ${issue.message.toLowerCase()}`,
    );
  }
  return {
    termsFile: parsed.data.CHARTBRIDGE_TERMS_FILE,
    privacyFile: parsed.data.CHARTBRIDGE_PRIVACY_FILE,
    operatorName: parsed.data.CHARTBRIDGE_OPERATOR_NAME,
  };
}

export interface TokenEndpointCalls {
  authorization_code: number;
  refresh_token: number;
  /** Calls with a missing or unsupported grant_type. */
  other: number;
}

/**
 * Counts every token-endpoint call, successful or not, per grant type and per presented refresh token, so tests
 * can prove "exactly one refresh" (case 42) without reading logs.
 */
export function createTokenEndpointCounters() {
  let calls: TokenEndpointCalls = { authorization_code: 0, refresh_token: 0, other: 0 };
  let perRefreshToken = new Map<string, number>();
  return {
    record(form: URLSearchParams): void {
      const grantType = form.get('grant_type');
      if (grantType === 'authorization_code') calls.authorization_code += 1;
      else if (grantType === 'refresh_token') calls.refresh_token += 1;
      else calls.other += 1;
      const refreshToken = grantType === 'refresh_token' ? form.get('refresh_token') : null;
      if (refreshToken) perRefreshToken.set(refreshToken, (perRefreshToken.get(refreshToken) ?? 0) + 1);
    },
    calls: (): TokenEndpointCalls => ({ ...calls }),
    refreshCallsFor: (refreshToken: string): number => perRefreshToken.get(refreshToken) ?? 0,
    reset(): void {
      calls = { authorization_code: 0, refresh_token: 0, other: 0 };
      perRefreshToken = new Map();
    },
  };
}

export type TokenEndpointCounters = ReturnType<typeof createTokenEndpointCounters>;

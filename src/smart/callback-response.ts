import * as oauth from 'oauth4webapi';
import { ChartbridgeError } from '../errors.ts';

export interface CallbackExpectations {
  issuer: string;
  issParameterSupported: boolean;
  clientId: string;
}

/**
 * Checks the authorization response against the launch's issuer (RFC 9207, case 4) and surfaces `error`
 * (case 2). Returns oauth4webapi's validated parameters (holding the code) for the exchange. State is matched by the caller before this runs (by hash, against the database).
 */
export function validateCallbackParameters(
  params: URLSearchParams,
  expected: CallbackExpectations,
): URLSearchParams {
  const as: oauth.AuthorizationServer = {
    issuer: expected.issuer,
    authorization_response_iss_parameter_supported: expected.issParameterSupported,
  };
  try {
    const validated = oauth.validateAuthResponse(
      as,
      { client_id: expected.clientId },
      params,
      oauth.skipStateCheck,
    );
    if (!validated.get('code'))
      throw new ChartbridgeError(
        'ERR_INVALID_INPUT',
        "the callback has no 'code'; start the connection again",
      );
    return validated;
  } catch (error) {
    if (error instanceof oauth.AuthorizationResponseError && error.error === 'invalid_scope') {
      // A v1 request at a v2 registration (or the reverse): the launch's grammar is the operator's setting.
      throw new ChartbridgeError(
        'ERR_AUTHORIZATION_DENIED',
        'the hospital refused the scopes asked for (invalid_scope): its app registration uses the other SMART ' +
          'scope version; set the endpoint with `chartbridge directory add --scope-version v1|v2`',
      );
    }
    if (error instanceof oauth.AuthorizationResponseError) {
      throw new ChartbridgeError(
        'ERR_AUTHORIZATION_DENIED',
        `the hospital did not authorise the connection (${safeErrorCode(error.error)})`,
      );
    }
    if (error instanceof oauth.OperationProcessingError) {
      throw new ChartbridgeError(
        'ERR_ISSUER_MISMATCH',
        `the callback 'iss' does not match the launch's issuer '${expected.issuer}'; start the connection again`,
      );
    }
    if (error instanceof oauth.UnsupportedOperationError) {
      throw new ChartbridgeError(
        'ERR_INVALID_INPUT',
        'the callback carries tokens (implicit or hybrid flow), which chartbridge never uses; start the connection again',
      );
    }
    throw error;
  }
}

function safeErrorCode(code: string): string {
  return /^[a-z_]{1,64}$/.test(code) ? code : 'error';
}

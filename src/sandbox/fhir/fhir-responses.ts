import { createOutcome, type EpicCode } from './epic-outcome.ts';

export const fhirContentType = 'application/fhir+json; charset=utf-8';

export function respondFhir(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': fhirContentType } });
}

/** An error or warning the Epic way: HTTP status plus an OperationOutcome carrying the Epic code. */
export function respondOutcome(status: number, code: EpicCode, diagnostics?: string): Response {
  return respondFhir(createOutcome([{ code, ...(diagnostics ? { diagnostics } : {}) }]), status);
}

/** Epic's answer when the client's API selection does not cover a request: 403 with no body at all. */
export function respondForbiddenEmpty(): Response {
  return new Response(null, { status: 403 });
}

/** Missing, unknown, expired, revoked or foreign token. */
export function respondUnauthorized(): Response {
  return new Response(null, {
    status: 401,
    headers: {
      'www-authenticate': 'Bearer error="invalid_token", error_description="The access token is not valid"',
    },
  });
}

/** What Epic's IIS front end answers for routes it does not serve: an HTML page, not an OperationOutcome. */
export function respondNotFoundHtml(): Response {
  const body = [
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Strict//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-strict.dtd">',
    '<html xmlns="http://www.w3.org/1999/xhtml">',
    '<head><meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1"/><title>404 - File or directory not found.</title></head>',
    '<body><div id="header"><h1>Server Error</h1></div><div id="content"><div class="content-container"><fieldset>',
    '<h2>404 - File or directory not found.</h2>',
    '<h3>The resource you are looking for might have been removed, had its name changed, or is temporarily unavailable.</h3>',
    '</fieldset></div></div></body></html>',
    '',
  ].join('\n');
  return new Response(body, { status: 404, headers: { 'content-type': 'text/html' } });
}

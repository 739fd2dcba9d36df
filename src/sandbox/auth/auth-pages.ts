import { html } from 'hono/html';
import type { SandboxPatient } from '../model.ts';
import type { ConsentBox } from './consent-choices.ts';
import { accessPeriods } from './persistent-access.ts';

type Fragment = ReturnType<typeof html>;

/** The shared sandbox password for every patient (documented in docs/sandbox.md; it protects nothing real). */
export const sandboxPassword = 'chartbridge';

const style = `body{font-family:system-ui,sans-serif;background:#f3f6f9;margin:0;color:#1d2733}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 4px #0002}
h1{font-size:1.4rem;margin-top:0}label{display:block;margin:.8rem 0 .2rem}input[type=text],input[type=password]
{width:100%;padding:.5rem;box-sizing:border-box}button{margin-top:1rem;padding:.6rem 1.2rem}
.error{color:#a00020}.muted{color:#5a6673;font-size:.9rem}ul.scopes{font-size:.9rem}`;

function renderPage(title: string, body: Fragment): Fragment {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <style>
          ${style}
        </style>
      </head>
      <body>
        <main>${body}</main>
      </body>
    </html>`;
}

export function renderSignInPage(view: {
  orgName: string;
  action: string;
  transactionId: string;
  csrfToken: string;
  patients: SandboxPatient[];
  error?: string;
  username?: string;
}): Fragment {
  const names = view.patients.slice(0, 50).map((patient) => html`<li><code>${patient.username}</code></li>`);
  return renderPage(
    `Sign in — ${view.orgName}`,
    html`<h1>${view.orgName} MyChart</h1>
      <p class="muted">Sandbox sign-in. Every patient's password is <code>${sandboxPassword}</code>.</p>
      ${view.error ? html`<p class="error" role="alert">${view.error}</p>` : ''}
      <form method="post" action="${view.action}">
        <input type="hidden" name="transaction" value="${view.transactionId}" />
        <input type="hidden" name="csrf_token" value="${view.csrfToken}" />
        <label for="username">MyChart username</label>
        <input
          id="username"
          name="username"
          type="text"
          autocomplete="username"
          value="${view.username ?? ''}"
        />
        <label for="password">Password</label>
        <input id="password" name="password" type="password" autocomplete="current-password" />
        <button type="submit">Sign in</button>
      </form>
      <details>
        <summary class="muted">Sandbox usernames at this organisation</summary>
        <ul>
          ${names}
        </ul>
      </details>`,
  );
}

export function renderConsentPage(view: {
  orgName: string;
  appName: string;
  patientName: string;
  scopes: string[];
  /** SMART v2 consent (smart-v2 profile): boxes the patient may untick; undefined: all or nothing. */
  boxes?: ConsentBox[];
  action: string;
  transactionId: string;
  csrfToken: string;
}): Fragment {
  const scopes = view.scopes.map((scope) => html`<li><code>${scope}</code></li>`);
  const boxes = view.boxes
    ? html`<fieldset>
        <legend>What may the app read? Untick what you do not want to share.</legend>
        <input type="hidden" name="boxes" value="shown" />
        ${view.boxes.map(
          (box) =>
            html`<label
              ><input type="checkbox" name="share" value="${box.id}" checked /> ${box.label}</label
            >`,
        )}
      </fieldset>`
    : '';
  const periods = accessPeriods.map(
    (period) =>
      html`<label
        ><input type="radio" name="period" value="${period.key}" ${period.key === '3mo' ? 'checked' : ''} />
        ${period.label}</label
      >`,
  );
  return renderPage(
    `Allow access — ${view.orgName}`,
    html`<h1>Allow ${view.appName} to access your record?</h1>
      <p>Signed in as ${view.patientName} at ${view.orgName}.</p>
      <p class="muted">The app asked for:</p>
      <ul class="scopes">
        ${scopes}
      </ul>
      <form method="post" action="${view.action}">
        <input type="hidden" name="transaction" value="${view.transactionId}" />
        <input type="hidden" name="csrf_token" value="${view.csrfToken}" />
        ${boxes}
        <fieldset>
          <legend>How long may the app keep access?</legend>
          ${periods}
        </fieldset>
        <button type="submit" name="decision" value="allow">Allow</button>
        <button type="submit" name="decision" value="deny">Deny</button>
      </form>`,
  );
}

export function renderErrorPage(title: string, message: string): Fragment {
  return renderPage(
    title,
    html`<h1>${title}</h1>
      <p>${message}</p>`,
  );
}

import { html, raw } from 'hono/html';
import type { PortalApi } from './api-catalog.ts';
import type { PortalOrg } from './portal-state.ts';

/**
 * The double's HTML pages: only what the real portal's pages offer to automation — the sign-in form, the
 * management page's hidden `__RequestVerificationToken`, and the API-selection widget (`ul.apiList`,
 * `li.apiListItem`, the `>>` button, options with `data-uscdi-v3` / `data-uscdi-readonly`).
 */
/** `base` is where the double is mounted (`/portal` in the sandbox): form actions must include it. */
export function renderLoginPage(returnUrl: string, base: string) {
  return html`<!doctype html>
    <html>
      <head>
        <title>Sign In - Epic on FHIR</title>
      </head>
      <body>
        <h1>Sign In</h1>
        <form method="post" action="${base}/Account/Login" id="loginForm">
          <input type="hidden" name="ReturnUrl" value="${returnUrl}" />
          <label>Username <input name="Username" /></label>
          <label>Password <input name="Password" type="password" /></label>
          <button type="submit">Sign In</button>
        </form>
      </body>
    </html>`;
}

const STATUS_TEXT: Record<number, string> = {
  0: 'Not responded',
  3: 'Non-Production only',
  1: 'Keys enabled',
};

export function renderManagementPage(appId: string, token: string, orgs: PortalOrg[]) {
  const rows = orgs.map(
    (org) =>
      html`<tr data-org-id="${org.orgId}" data-approved="${org.approved}">
        <td>${org.orgName}</td>
        <td class="status">${STATUS_TEXT[org.approved]}</td>
      </tr>`,
  );
  return html`<!doctype html>
    <html>
      <head>
        <title>Review &amp; Manage Downloads - Epic on FHIR</title>
      </head>
      <body>
        <form id="__AjaxAntiForgeryForm">
          <input name="__RequestVerificationToken" type="hidden" value="${token}" />
        </form>
        <h1>Review &amp; Manage Downloads</h1>
        <p id="appId">${appId}</p>
        <table id="downloads">
          <tbody>
            ${rows}
          </tbody>
        </table>
      </body>
    </html>`;
}

export function renderEditAppPage(
  appId: string,
  token: string,
  catalog: PortalApi[],
  selected: Set<string>,
  base: string,
) {
  const options = renderApiOptions(catalog, selected);
  const item = (api: PortalApi, handler: string) =>
    html`<li class="apiListItem" data-api-id="${api.id}" onclick="${handler}(this)">${api.label}</li>`;
  return html`<!doctype html>
    <html>
      <head>
        <title>Edit App - Epic on FHIR</title>
        <style>
          ul.apiList {
            height: 300px;
            overflow-y: auto;
            border: 1px solid #999;
          }
          li.apiListItem.highlighted {
            background: #cde;
          }
        </style>
      </head>
      <body>
        <form method="post" action="${base}/Developer/SaveApis?appId=${appId}" id="apiForm">
          <input name="__RequestVerificationToken" type="hidden" value="${token}" />
          <select id="IncomingApis" name="IncomingApis" multiple style="display:none">
            ${options}
          </select>
          <h2>Available APIs</h2>
          <ul class="apiList" id="availableApis">
            ${catalog.filter((api) => !selected.has(api.id)).map((api) => item(api, 'AvailableWebServicesClicked'))}
          </ul>
          <button type="button" id="addApis" onclick="MoveSelectedApis()">&gt;&gt;</button>
          <h2>Selected APIs</h2>
          <ul class="apiList selectedApiList" id="selectedApis">
            ${catalog.filter((api) => selected.has(api.id)).map((api) => item(api, 'SelectedWebServicesClicked'))}
          </ul>
          <button type="submit" id="saveApis">Save</button>
        </form>
        <script>
          ${raw(EDIT_APP_SCRIPT)};
        </script>
      </body>
    </html>`;
}

function renderApiOptions(catalog: PortalApi[], selected: Set<string>) {
  return catalog.map(
    (api) =>
      html`<option
        value="${api.id}"
        label="${api.label}"
        data-uscdi-v3="${api.uscdiV3 ? 'True' : 'False'}"
        data-uscdi-readonly="${api.uscdiReadOnly ? 'True' : 'False'}"
        ${selected.has(api.id) ? raw('selected') : ''}
      >
        ${api.label}
      </option>`,
  );
}

// The page's own behaviour: clicking an available item highlights it; ">>" moves highlighted items into the
// selected list and marks their options selected, as the real widget does. The available list renders lazily (a
// first screenful, more as it is scrolled), so a script has to scroll to find items further down.
const EDIT_APP_SCRIPT = `
var pendingApis = [];
(function () {
  var list = document.getElementById('availableApis');
  var items = Array.prototype.slice.call(list.querySelectorAll('li.apiListItem'));
  pendingApis = items.slice(20);
  pendingApis.forEach(function (li) { li.remove(); });
  list.addEventListener('scroll', function () {
    if (list.scrollTop + list.clientHeight >= list.scrollHeight - 40) renderMoreApis(list);
  });
})();
function renderMoreApis(list) {
  pendingApis.splice(0, 15).forEach(function (li) { list.appendChild(li); });
}
function AvailableWebServicesClicked(li) { li.classList.toggle('highlighted'); }
function SelectedWebServicesClicked(li) { li.classList.toggle('highlighted'); }
function MoveSelectedApis() {
  var target = document.getElementById('selectedApis');
  document.querySelectorAll('#availableApis li.apiListItem.highlighted').forEach(function (li) {
    li.classList.remove('highlighted');
    li.setAttribute('onclick', 'SelectedWebServicesClicked(this)');
    target.appendChild(li);
    var option = document.querySelector('#IncomingApis option[value="' + li.dataset.apiId + '"]');
    if (option) option.selected = true;
  });
  var list = document.getElementById('availableApis');
  while (pendingApis.length && list.scrollHeight <= list.clientHeight + 40) renderMoreApis(list);
}`;

import { readFlag, selectScopeLabels } from '../scope-selection.ts';
import { browserWindow, sleep, type DomElement } from './dom.ts';

/**
 * Browser-console scope script (bundled by console-scripts.ts): on the app's edit page, moves every USCDI v3 /
 * read-only "(R4)" API into the selected list with the page's own controls (click the item, then ">>"). It
 * leaves saving to the operator, who reviews the list first. The result is also left on
 * `window.chartbridgeScopesResult`.
 */
export interface ScopesResult {
  target: number;
  added: number;
  alreadySelected: number;
  notFound: string[];
}

export async function runScopesConsole(config: { stepDelayMs: number }): Promise<ScopesResult> {
  const win = browserWindow();
  const options = [
    ...win.document.querySelectorAll('option[data-uscdi-v3], option[data-uscdi-readonly]'),
  ].map((option) => ({
    label: option.label || option.textContent || '',
    uscdiV3: readFlag(option.getAttribute('data-uscdi-v3')),
    uscdiReadOnly: readFlag(option.getAttribute('data-uscdi-readonly')),
  }));
  const labels = selectScopeLabels(options);
  win.console.log(`[chartbridge scopes] ${labels.length} USCDI (R4) APIs to select`);
  const result: ScopesResult = { target: labels.length, added: 0, alreadySelected: 0, notFound: [] };
  for (const label of labels) {
    const item = await findListItem(label);
    if (!item) result.notFound.push(label);
    else if (item.getAttribute('onclick')?.includes('SelectedWebServicesClicked')) result.alreadySelected++;
    else {
      item.scrollIntoView({ block: 'center' });
      item.click();
      await sleep(config.stepDelayMs);
      findAddButton()?.click();
      await sleep(config.stepDelayMs);
      result.added++;
    }
  }
  if (result.notFound.length) win.console.warn('[chartbridge scopes] not found:', result.notFound);
  win.console.log(
    `[chartbridge scopes] added ${result.added}, already selected ${result.alreadySelected}, ` +
      `not found ${result.notFound.length}. Review the selected list, then click Save.`,
  );
  win.chartbridgeScopesResult = result;
  return result;
}

// The list may render items lazily as it scrolls: scroll through it (and fire the scroll event lazy lists listen
// to) until the label appears; give up when neither the position nor the content changes twice in a row.
async function findListItem(label: string): Promise<DomElement | undefined> {
  const win = browserWindow();
  const list = win.document.querySelector('ul.apiList');
  if (list) list.scrollTop = 0;
  let unchanged = 0;
  for (let attempt = 0; attempt < 80; attempt++) {
    const item = [...win.document.querySelectorAll('li.apiListItem')].find(
      (li) => (li.innerText ?? li.textContent ?? '').trim() === label,
    );
    if (item) return item;
    if (!list) return undefined;
    const before = { top: list.scrollTop, height: list.scrollHeight };
    list.scrollTop += 500;
    list.dispatchEvent(new Event('scroll'));
    await sleep(20);
    const moved = list.scrollTop !== before.top || list.scrollHeight !== before.height;
    unchanged = moved ? 0 : unchanged + 1;
    if (unchanged >= 2) return undefined;
  }
  return undefined;
}

function findAddButton(): DomElement | undefined {
  const win = browserWindow();
  return [...win.document.querySelectorAll('button, input[type="button"]')].find(
    (element) => (element.innerText ?? element.value ?? '').trim() === '>>',
  );
}

import type { OrgProfile } from '../profiles/org-profiles.ts';

/** Query parameters that carry a paging cursor, whichever server shape issued it. */
export const cursorParams = ['sessionID', '_getpages', 'cursor'];

export interface NextLinkInput {
  fhirBase: string;
  /** Path under the FHIR base the search ran on: `Observation`, `Patient/{id}/$everything`. */
  path: string;
  cursor: string;
  offset: number;
  count: number;
  /** The first request's parameters (cursor parameters are left out). */
  params: URLSearchParams;
}

/**
 * The `next` link of a page, shaped as each kind of server writes it (REAL-WORLD.md "Paging and links"):
 * Epic's `{Type}?sessionID=`; HAPI's `{base}?_getpages=…&_getpagesoffset=…` on the base itself; a server whose
 * links use another letter case (`/fhir/R4/` under `/fhir/r4`), carry `page` and `sessionID` and reorder the
 * query; or the original query plus an opaque `cursor`.
 */
export function buildNextUrl(profile: OrgProfile, input: NextLinkInput): string {
  const { fhirBase, path, cursor, offset, count } = input;
  const kept = [...input.params].filter(([name]) => !cursorParams.includes(name) && name !== 'page');
  if (profile.paging === 'epic-session') return `${fhirBase}/${path}?sessionID=${cursor}`;
  if (profile.paging === 'hapi-getpages') {
    return `${fhirBase}?_getpages=${cursor}&_getpagesoffset=${offset}&_count=${count}&_bundletype=searchset`;
  }
  if (profile.paging === 'case-shifted') {
    const page = Math.floor(offset / count) + 1;
    const query = new URLSearchParams([...kept, ['page', String(page)], ['sessionID', cursor]]);
    // Reverse name order, so the link never repeats the first request's parameter order.
    query.sort();
    const reordered = [...query].reverse();
    return `${shiftCase(fhirBase)}/${path}?${new URLSearchParams(reordered).toString()}`;
  }
  return `${fhirBase}/${path}?${new URLSearchParams([...kept, ['cursor', cursor]]).toString()}`;
}

/** `…/fhir/r4` → `…/fhir/R4`: the same server, another letter case. */
function shiftCase(fhirBase: string): string {
  return fhirBase.replace(/\/r4$/, '/R4');
}

/**
 * The one tokenizer search and import share, so a name is split the same way when indexed and when typed:
 * lower case, accents removed, apostrophes dropped ("Children's" → "childrens"), every other non-alphanumeric a
 * separator except a dot inside a word, which keeps web domains ("kp.org") whole.
 */
export function tokenize(text: string): string[] {
  const folded = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/['’‘`]/g, '');
  const tokens: string[] = [];
  for (const raw of folded.split(/[^a-z0-9.]+/)) {
    const token = raw.replace(/^\.+|\.+$/g, '');
    if (token) tokens.push(token);
  }
  return tokens;
}

/** Words too common to narrow a search; they still count when they are all the patient typed. */
export const STOP_WORDS = new Set([
  'of',
  'the',
  'and',
  'at',
  'for',
  'in',
  'a',
  'an',
  'de',
  'la',
  'org',
  'com',
]);

/** The normalised name used to recognise one organisation published by two sources. */
export function toNameKey(name: string): string {
  return tokenize(name).join(' ');
}

const STATE_NAMES: Record<string, string> = {
  AL: 'alabama',
  AK: 'alaska',
  AZ: 'arizona',
  AR: 'arkansas',
  CA: 'california',
  CO: 'colorado',
  CT: 'connecticut',
  DE: 'delaware',
  DC: 'district of columbia',
  FL: 'florida',
  GA: 'georgia',
  HI: 'hawaii',
  ID: 'idaho',
  IL: 'illinois',
  IN: 'indiana',
  IA: 'iowa',
  KS: 'kansas',
  KY: 'kentucky',
  LA: 'louisiana',
  ME: 'maine',
  MD: 'maryland',
  MA: 'massachusetts',
  MI: 'michigan',
  MN: 'minnesota',
  MS: 'mississippi',
  MO: 'missouri',
  MT: 'montana',
  NE: 'nebraska',
  NV: 'nevada',
  NH: 'new hampshire',
  NJ: 'new jersey',
  NM: 'new mexico',
  NY: 'new york',
  NC: 'north carolina',
  ND: 'north dakota',
  OH: 'ohio',
  OK: 'oklahoma',
  OR: 'oregon',
  PA: 'pennsylvania',
  RI: 'rhode island',
  SC: 'south carolina',
  SD: 'south dakota',
  TN: 'tennessee',
  TX: 'texas',
  UT: 'utah',
  VT: 'vermont',
  VA: 'virginia',
  WA: 'washington',
  WV: 'west virginia',
  WI: 'wisconsin',
  WY: 'wyoming',
  PR: 'puerto rico',
};

/** Words for a state: its code and its name, so "georgia" and "ga" both find Georgia. */
export function stateWords(state: string | null): string[] {
  if (!state) return [];
  const code = state.trim().toUpperCase();
  const name = STATE_NAMES[code];
  return name ? [code.toLowerCase(), ...name.split(' ')] : tokenize(state);
}

/** A website's host without `www.`, the form patients type ("kp.org"). */
export function toWebsiteDomain(website: string | null): string | null {
  if (!website) return null;
  try {
    return new URL(website).hostname.replace(/^www\./, '').toLowerCase() || null;
  } catch {
    return null;
  }
}

/** A domain and its parent domains down to two labels, so "kaiserpermanente.org" finds "healthy.kaiserpermanente.org". */
export function domainWords(domain: string | null): string[] {
  if (!domain) return [];
  const labels = domain.split('.');
  const words: string[] = [];
  for (let i = 0; i <= labels.length - 2; i++) words.push(labels.slice(i).join('.'));
  return words;
}

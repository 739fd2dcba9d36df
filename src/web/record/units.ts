/**
 * UCUM codes as a person reads them. EHRs often put the UCUM code (`mm[Hg]`, `{score}`, `Cel`) in
 * `Quantity.unit`, which is meant for display; the patient should see mmHg, score and °C.
 */
const WHOLE_UNITS: Record<string, string> = {
  Cel: '°C',
  '[degF]': '°F',
  '[lb_av]': 'lb',
  '[oz_av]': 'oz',
  '[in_i]': 'in',
  '[ft_i]': 'ft',
  '[pH]': 'pH',
  '1': '',
  '{beats}/min': 'beats/min',
  '/min': '/min',
};

type Replacement = string | ((match: string, ...groups: string[]) => string);

/** Pieces replaced inside a longer code, in this order. */
const PIECES: [RegExp, Replacement][] = [
  [/mm\[Hg\]/g, 'mmHg'],
  [/\[i?IU\]/gi, 'IU'],
  [/\[lb_av\]/g, 'lb'],
  [/\[oz_av\]/g, 'oz'],
  [/\[in_i\]/g, 'in'],
  [/\[ft_i\]/g, 'ft'],
  [/\[([A-Za-z]+)\]/g, '$1'],
  // Annotations: `{score}` → score, `{1.73_m2}` → 1.73 m2 (squared below).
  [/\{([^}]*)\}/g, (_, text) => text!.replace(/_/g, ' ')],
  [/10\*(\d+)/g, (_, power) => `×10${superscript(power!)}`],
  [/\bu(g|L|mol|U|IU)\b/g, 'µ$1'],
  [/\b(k?m|cm|mm|dm|ft|in)([23])\b/g, (_, base, power) => `${base}${superscript(power!)}`],
  [/\bCel\b/g, '°C'],
];

export function humanUnit(unit: string | undefined): string {
  const code = unit?.trim() ?? '';
  if (Object.hasOwn(WHOLE_UNITS, code)) return WHOLE_UNITS[code]!;
  let text = code;
  for (const [pattern, replacement] of PIECES)
    text =
      typeof replacement === 'string'
        ? text.replace(pattern, replacement)
        : text.replace(pattern, replacement);
  return text;
}

const SUPERSCRIPTS: Record<string, string> = {
  '0': '⁰',
  '1': '¹',
  '2': '²',
  '3': '³',
  '4': '⁴',
  '5': '⁵',
  '6': '⁶',
  '7': '⁷',
  '8': '⁸',
  '9': '⁹',
};

function superscript(digits: string): string {
  return [...digits].map((d) => SUPERSCRIPTS[d] ?? d).join('');
}

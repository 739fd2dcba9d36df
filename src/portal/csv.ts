/** RFC 4180 CSV: a header row, then one row per record; fields with commas, quotes or line breaks are quoted. */
export function formatCsv<T extends Record<string, unknown>>(
  columns: (keyof T & string)[],
  rows: T[],
): string {
  const lines = [columns.join(',')];
  for (const row of rows) lines.push(columns.map((column) => quoteField(row[column])).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

function quoteField(value: unknown): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, - or @ would run as a formula in a spreadsheet; an apostrophe keeps it text.
  const safe = /^[=+\-@]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

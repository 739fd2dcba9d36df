/**
 * Turns clinical documents into plain text sections for display. EHR markup (HTML notes, C-CDA XML) is never
 * rendered as markup: we keep its words and structure only, so nothing in it can run, load or style anything.
 */
export interface DocumentSection {
  title: string;
  text: string;
}

const MAX_INPUT = 2_000_000;

export function extractDocumentSections(contentType: string, bytes: Uint8Array): DocumentSection[] {
  const raw = new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, MAX_INPUT));
  const type = contentType.toLowerCase().split(';')[0]!.trim();
  if (type === 'text/plain') return [{ title: 'Document', text: normaliseWhitespace(raw) }];
  if (type.includes('xml') && /<ClinicalDocument[\s>]/.test(raw)) return extractCdaSections(raw);
  if (type === 'text/html' || type.includes('xml') || type === 'application/xhtml+xml') {
    return [{ title: 'Document', text: markupToText(raw) }];
  }
  return [];
}

/** C-CDA: one section per `<section>` with its `<title>` and narrative `<text>`. */
function extractCdaSections(xml: string): DocumentSection[] {
  const sections: DocumentSection[] = [];
  const sectionPattern = /<section\b[^>]*>([\s\S]*?)<\/section>/gi;
  for (const match of xml.matchAll(sectionPattern)) {
    const body = match[1] ?? '';
    const title = markupToText(/<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(body)?.[1] ?? 'Section');
    const text = markupToText(/<text\b[^>]*>([\s\S]*?)<\/text>/i.exec(body)?.[1] ?? '');
    if (text) sections.push({ title: title || 'Section', text });
  }
  const documentTitle = markupToText(/<title\b[^>]*>([\s\S]*?)<\/title>/i.exec(xml)?.[1] ?? '');
  return sections.length ? sections : [{ title: documentTitle || 'Document', text: markupToText(xml) }];
}

/** Drops elements that never carry readable text, turns block boundaries into line breaks, strips the rest. */
export function markupToText(markup: string): string {
  const withoutHidden = markup
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<(script|style|head|object|iframe|svg|math|template)\b[\s\S]*?<\/\1\s*>/gi, '')
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, '$1');
  const withBreaks = withoutHidden
    .replace(/<(br|hr)\b[^>]*>/gi, '\n')
    .replace(/<\/(p|div|li|tr|h[1-6]|paragraph|item|table|list|section|content)\s*>/gi, '\n')
    .replace(/<\/(td|th)\s*>/gi, '\t');
  return normaliseWhitespace(decodeEntities(withBreaks.replace(/<[^>]*>/g, '')));
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (whole, entity: string) => {
    if (entity[0] === '#') {
      const code =
        entity[1]?.toLowerCase() === 'x' ? parseInt(entity.slice(2), 16) : parseInt(entity.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : '';
    }
    return NAMED_ENTITIES[entity.toLowerCase()] ?? whole;
  });
}

function normaliseWhitespace(text: string): string {
  return (
    text
      // Control characters in EHR text can confuse terminals and log viewers; they carry no meaning here.
      // eslint-disable-next-line no-control-regex
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '')
      .split('\n')
      .map((line) => line.replace(/[ \t]+/g, ' ').trim())
      .filter((line, i, all) => line !== '' || (i > 0 && all[i - 1] !== ''))
      .join('\n')
      .trim()
  );
}

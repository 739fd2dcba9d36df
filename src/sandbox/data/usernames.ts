/**
 * Sandbox sign-in names, MyChart style: given name + family name, lower-case ASCII, digits and punctuation
 * removed (Synthea appends digits to names: `Lawerence6 Baumbach677` → `lawerencebaumbach`). A name already taken
 * gets the next free number: `johnsmith`, `johnsmith2`, `johnsmith3`. Allocation follows load order, which is the
 * sorted file order, so the names are the same on every start.
 */
export function createUsernameAllocator(): { allocate(given: string, family: string): string } {
  const taken = new Set<string>();
  return {
    allocate(given, family) {
      const base = toAsciiLetters(given) + toAsciiLetters(family) || 'patient';
      let name = base;
      for (let n = 2; taken.has(name); n += 1) name = `${base}${n}`;
      taken.add(name);
      return name;
    },
  };
}

function toAsciiLetters(text: string): string {
  return text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]/g, '');
}

/** Given and family name of a Patient resource (the `official`/first name). */
export function readPatientName(patient: Record<string, unknown>): { given: string; family: string } {
  const names = (patient.name as { use?: string; given?: string[]; family?: string }[] | undefined) ?? [];
  const name = names.find((item) => item.use === 'official') ?? names[0];
  return { given: name?.given?.[0] ?? '', family: name?.family ?? '' };
}

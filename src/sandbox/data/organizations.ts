const hospitalNames = [
  'Northwind General Hospital',
  'Lakeside Regional Medical Center',
  'Cedar Valley Health',
  'Harborview Community Clinics',
  'Summit Ridge Medical Group',
  'Riverbend University Hospital',
  'Pinecrest Children’s Hospital',
  'Meadowbrook Family Health',
];

/** `org-a`, `org-b`, … with hospital-like names; past 26 the ids become `org-27`, `org-28`, …. */
export function createOrganizationList(count: number): { id: string; name: string }[] {
  if (!Number.isInteger(count) || count < 1) throw new TypeError('organisation count must be a positive integer');
  return Array.from({ length: count }, (_, index) => ({
    id: index < 26 ? `org-${String.fromCharCode(97 + index)}` : `org-${index + 1}`,
    name: hospitalNames[index] ?? `Sandbox Hospital ${index + 1}`,
  }));
}

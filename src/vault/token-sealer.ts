/**
 * What the vault and connect flow need from crypto/: authenticated encryption bound to where the value lives
 * (`<table>/<row id>/<column>`), so a ciphertext copied to another row or column fails to open (case 39).
 */
export interface TokenSealer {
  seal(plaintext: string, binding: string): string | Promise<string>;
  unseal(sealed: string, binding: string): string | Promise<string>;
}

export function bindingFor(
  table: 'connections' | 'launches' | 'pending_revocations',
  id: string,
  column: string,
): string {
  return `${table}/${id}/${column}`;
}

/**
 * The few browser APIs the console scripts use, typed here because the project compiles without the DOM library.
 * Only types: nothing in this file reaches the bundled script.
 */
export interface DomElement {
  readonly textContent: string | null;
  readonly innerText?: string;
  readonly label?: string;
  value?: string;
  scrollTop: number;
  readonly scrollHeight: number;
  dispatchEvent(event: Event): boolean;
  getAttribute(name: string): string | null;
  click(): void;
  scrollIntoView(options?: { block: string }): void;
  closest(selector: string): DomElement | null;
}

export interface BrowserWindow {
  document: {
    querySelector(selector: string): DomElement | null;
    querySelectorAll(selector: string): ArrayLike<DomElement> & Iterable<DomElement>;
  };
  location: { search: string; pathname: string; reload(): void };
  sessionStorage: { getItem(key: string): string | null; setItem(key: string, value: string): void };
  confirm(message: string): boolean;
  fetch: typeof fetch;
  console: Console & { table(rows: unknown): void };
  [result: string]: unknown;
}

export function browserWindow(): BrowserWindow {
  return globalThis as unknown as BrowserWindow;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

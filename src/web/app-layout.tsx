import { raw } from 'hono/html';
import type { Child } from 'hono/jsx';

/** Which navigation the header shows; 'sign-in' shows none (the operator is not signed in yet). */
export type AppArea = 'patient' | 'operator' | 'sign-in';

/**
 * The frame of the patient and operator pages: one same-origin stylesheet and, only where a page needs it, one
 * same-origin deferred script. No inline script or style anywhere, so the strict CSP holds (case 35). The doctype
 * keeps browsers in standards mode (without it Chromium lays pages out in quirks mode).
 */
export function AppLayout(props: {
  title: string;
  area: AppArea;
  script?: boolean;
  /** Full width for tables and charts (operator pages, the record). */
  wide?: boolean;
  children?: Child;
}) {
  return (
    <>
      {raw('<!DOCTYPE html>')}
      <html lang="en">
        <head>
          <meta charset="utf-8" />
          <meta name="viewport" content="width=device-width, initial-scale=1" />
          <title>{props.title} · chartbridge</title>
          <link rel="stylesheet" href="/assets/connect.css" />
          <link rel="stylesheet" href="/assets/app.css" />
          {props.script ? <script src="/assets/app.js" defer /> : null}
        </head>
        <body>
          <a class="skip" href="#content">
            Skip to content
          </a>
          <header class="app-header">
            <a class="brand" href={props.area === 'operator' ? '/operator' : '/'}>
              chartbridge{props.area === 'operator' ? ' · operator' : ''}
            </a>
            {props.area === 'sign-in' ? null : props.area === 'patient' ? (
              <nav aria-label="Main">
                <a href="/">Home</a>
                <a href="/my">My hospitals</a>
                <a href="/my/record">My record</a>
              </nav>
            ) : (
              <nav aria-label="Operator">
                <a href="/operator">Overview</a>
                <form method="post" action="/operator/logout" class="inline">
                  <button type="submit" class="link">
                    Sign out
                  </button>
                </form>
              </nav>
            )}
          </header>
          <main id="content" class={props.area === 'operator' || props.wide ? 'wide' : ''}>
            {props.children}
          </main>
          <footer class="app-footer">
            <a href="/terms">Terms of use</a>
            <a href="/privacy">Privacy</a>
          </footer>
        </body>
      </html>
    </>
  );
}

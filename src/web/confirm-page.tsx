import { AppLayout, type AppArea } from './app-layout.tsx';

/** What a destructive action will do, said before it is done. */
export interface ConfirmAction {
  title: string;
  /** What it applies to, when the title cannot say it in words (an operator's connection id). */
  subject?: string;
  /** What happens, one consequence per line. */
  consequences: string[];
  /** The form's POST target: the action itself. */
  action: string;
  confirmLabel: string;
  cancelHref: string;
  /** The double-submit token (patient pages); operator forms rely on their SameSite=Strict session instead. */
  csrfToken?: string;
}

/**
 * The step between a destructive button and its effect. Plain HTML: the GET shows what will happen and the POST
 * of this form does it, so it works without JavaScript and a link or a prefetch never deletes anything.
 */
export function renderConfirmPage(props: { area: AppArea; confirm: ConfirmAction }) {
  const c = props.confirm;
  return (
    <AppLayout title={c.title} area={props.area}>
      <h1>{c.title}</h1>
      {c.subject ? (
        <p class="muted">
          <code>{c.subject}</code>
        </p>
      ) : null}
      <div class="card confirm">
        <p>
          <strong>If you continue:</strong>
        </p>
        <ul>
          {c.consequences.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
        <form method="post" action={c.action} class="actions">
          {c.csrfToken ? <input type="hidden" name="csrf" value={c.csrfToken} /> : null}
          <button type="submit" class="danger">
            {c.confirmLabel}
          </button>
          <a class="button secondary" href={c.cancelHref}>
            Cancel
          </a>
        </form>
      </div>
    </AppLayout>
  );
}

import { AppLayout } from '../app-layout.tsx';

/** The operator's sign-in: the API key as password (the key never goes into a URL or cookie). */
export function renderOperatorLoginPage(props: { failed: boolean }) {
  return (
    <AppLayout title="Operator sign-in" area="sign-in">
      <h1>Operator sign-in</h1>
      <form method="post" action="/operator/login" class="card">
        {props.failed ? (
          <p class="error" role="alert">
            That key is not right. Use the value of CHARTBRIDGE_API_KEY.
          </p>
        ) : null}
        <label class="search-label" for="api-key">
          API key
        </label>
        <input id="api-key" type="password" name="apiKey" autocomplete="current-password" required />
        <div class="actions">
          <button type="submit">Sign in</button>
        </div>
      </form>
    </AppLayout>
  );
}

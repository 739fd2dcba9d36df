/** The home page's "Connect a hospital": a CSRF-protected POST that opens a new connect session's picker. */
export function ConnectButton(props: { csrfToken: string }) {
  return (
    <form method="post" action="/connect">
      <input type="hidden" name="csrf" value={props.csrfToken} />
      <button type="submit">Connect a hospital</button>
    </form>
  );
}

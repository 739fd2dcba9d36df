import { Layout } from './layout.tsx';

/** Error text is rendered as JSX text, so anything an EHR put in `error_description` stays inert (case 2). */
export function renderErrorPage(props: { title: string; message: string; detail?: string }) {
  return (
    <Layout title={props.title}>
      <div class="error">
        <h1>{props.title}</h1>
        <p>{props.message}</p>
        {props.detail ? <p class="detail">The hospital said: {props.detail}</p> : null}
        <p>
          <a href="/">Back to the start</a>
        </p>
      </div>
    </Layout>
  );
}

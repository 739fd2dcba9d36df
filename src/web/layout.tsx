import type { Child } from 'hono/jsx';
import { AppLayout } from './app-layout.tsx';

/** The connect pages' frame: the patient frame (doctype, navigation, footer); the script only where asked. */
export function Layout(props: { title: string; script?: boolean; children?: Child }) {
  return (
    <AppLayout title={props.title} area="patient" script={props.script}>
      {props.children}
    </AppLayout>
  );
}

export const CONNECT_STYLESHEET = `
body { font-family: system-ui, sans-serif; margin: 0; color: #1d2733; background: #f6f8fa; }
header { background: #17324d; padding: 0.8rem 1.5rem; }
header .brand { color: #fff; font-weight: 700; text-decoration: none; }
main { max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
ul.hospitals { list-style: none; padding: 0; }
ul.hospitals li { background: #fff; border: 1px solid #d8dee4; border-radius: 6px; margin: 0.5rem 0; padding: 0.8rem 1rem; display: flex; justify-content: space-between; align-items: center; }
a.button, button { background: #1f6feb; color: #fff; border: 0; border-radius: 6px; padding: 0.5rem 0.9rem; text-decoration: none; font-size: 1rem; cursor: pointer; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; background: #fff; padding: 1rem; border-radius: 6px; border: 1px solid #d8dee4; }
dt { font-weight: 600; }
.status-active { color: #1a7f37; } .status-needs_reauth, .status-error, .status-key_error { color: #cf222e; }
.error { background: #fff; border-left: 4px solid #cf222e; padding: 1rem; }
`;

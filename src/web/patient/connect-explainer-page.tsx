import { AppLayout } from '../app-layout.tsx';

/** What a patient reads before leaving for the hospital: plain words, no jargon, every choice theirs. */
const SHARED = [
  'Your health problems, medications, allergies and immunisations',
  'Lab results and vital signs (blood pressure, weight, …)',
  'Visits, procedures, care plans and care team',
  'Clinical notes and documents your hospital makes available',
  'Your name, date of birth and contact details as the hospital has them',
];

/** The short version, shown on the picker above the hospitals: what is shared, for how long, and the exits. */
export function ConnectExplainer() {
  return (
    <details class="card explain" open>
      <summary>
        <strong>What connecting shares, and for how long</strong>
      </summary>
      <ul>
        <li>
          A read-only copy of your record: problems, medications, allergies, immunisations, results, visits
          and documents.
        </li>
        <li>
          You sign in on your hospital's own page; chartbridge never sees your password and can never change
          your record.
        </li>
        <li>You choose how long at the hospital (once, or for a period such as 3 months or a year).</li>
        <li>
          Disconnect and delete your copy at any time from <a href="/my">My hospitals</a>.
        </li>
      </ul>
      <LegalLinks />
    </details>
  );
}

export function renderConnectExplainerPage(props: {
  hospital: string;
  continueHref: string;
  backHref: string;
}) {
  return (
    <AppLayout title={`Connect ${props.hospital}`} area="patient">
      <h1>Before you connect {props.hospital}</h1>
      <div class="card explain">
        <h2>What will be shared</h2>
        <p>A read-only copy of your record at {props.hospital}:</p>
        <ul>
          {SHARED.map((line) => (
            <li>{line}</li>
          ))}
        </ul>
        <p class="muted">chartbridge can only read. It can never change anything in your hospital record.</p>
      </div>
      <div class="card explain">
        <h2>For how long</h2>
        <p>
          You choose at your hospital's sign-in page: just this once, or for a period (for example 3 months or
          a year). Until then chartbridge keeps your copy up to date in the background; after that it stops
          and asks you to connect again.
        </p>
        <p>
          You can disconnect at any time from <a href="/my">My hospitals</a>, and delete the copy kept here.
        </p>
      </div>
      <div class="card explain">
        <h2>How it works</h2>
        <p>
          You sign in on {props.hospital}'s own patient portal page. chartbridge never sees your password; the
          hospital gives it a key that only works for reading your record.
        </p>
      </div>
      <LegalLinks />
      <div class="actions">
        <a class="button" href={props.continueHref}>
          Continue to {props.hospital} sign-in
        </a>
        <a class="button secondary" href={props.backHref}>
          Choose another hospital
        </a>
      </div>
    </AppLayout>
  );
}

/** Connecting means agreeing to the operator's terms: both pages are one click away before the hospital. */
function LegalLinks() {
  return (
    <p class="muted">
      By connecting you agree to the <a href="/terms">terms of use</a>. The{' '}
      <a href="/privacy">privacy notice</a> says what is kept and who can see it.
    </p>
  );
}

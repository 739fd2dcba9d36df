import { dayCount } from '../config/safeguards-config.ts';
import { AppLayout } from './app-layout.tsx';
import { TextBlocks } from './text-blocks.tsx';

export type LegalPage = 'terms' | 'privacy';

export const LEGAL_TITLES: Record<LegalPage, string> = { terms: 'Terms of use', privacy: 'Privacy' };

/** `/terms` and `/privacy`: the operator's text, or the defaults below. */
export function renderLegalPage(props: { page: LegalPage; text: string; operator: string }) {
  return (
    <AppLayout title={LEGAL_TITLES[props.page]} area="patient">
      <h1>{LEGAL_TITLES[props.page]}</h1>
      <p class="muted">This service is operated by {props.operator}.</p>
      <div class="card">
        <TextBlocks text={props.text} />
      </div>
    </AppLayout>
  );
}

/** What chartbridge itself can truthfully say when the operator has written nothing. */
export function defaultLegalText(
  page: LegalPage,
  operator: string,
  publicUrl: string,
  revokedDataDays: number,
): string {
  if (page === 'terms')
    return `${operator} runs this service (${publicUrl}) with chartbridge, open-source software.

# What it does
- With your permission, it copies your health record from the hospitals you connect. It can only read: it never changes anything at your hospital.
- It keeps your copy up to date until you disconnect or the access you chose at your hospital ends.
- You can disconnect, and delete the copy kept here, at any time from My hospitals.

# What it is not
- It is not medical advice and does not replace your hospital's record. If something looks wrong, ask your care team.

${operator} has not published terms of its own. Questions go to ${operator} through ${publicUrl}.`;
  return `${operator} runs this service (${publicUrl}) with chartbridge, open-source software.

# What is kept
- A copy of the parts of your record each hospital you connect makes available: problems, medications, allergies, results, visits, documents and your demographics.
- The hospital's access keys, encrypted. chartbridge never sees your hospital password.

# Who can see it
- You, in the browser you connected from (or through the app you connected with, if you used one).
- ${operator}, who runs the server. chartbridge itself sends your copy nowhere else.

# How to remove it
- My hospitals: "Disconnect" ends the hospital's access; "Disconnect and delete my data" also deletes the copy, its documents and its history.
- ${revokedDataDays > 0 ? `After you disconnect, the copy is deleted automatically after ${dayCount(revokedDataDays)}.` : 'After you disconnect, the copy is kept until you delete it.'}

${operator} has not published a privacy notice of its own. Questions go to ${operator} through ${publicUrl}.`;
}

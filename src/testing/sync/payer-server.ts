import { Hono } from 'hono';
import { startTestServer } from '../test-server.ts';
import type { Sandbox } from '../../sandbox/sandbox.ts';

/** The record a payer's API serves: claims, what they were for, and who paid (CARIN Blue Button). */
export const PAYER_TYPES = ['ExplanationOfBenefit', 'Claim', 'Encounter'];

export interface PayerServer {
  /** The FHIR base, `http://127.0.0.1:PORT/payer/fhir`. */
  fhirBase: string;
  /** `Type/id` of resources left out of `$everything` from now on (they vanished at the payer). */
  omit: Set<string>;
  /** `$everything` pages (1-based) that answer with a body that is not JSON. */
  brokenPages: Set<number>;
  /** Paths (with query) requested, in order. */
  requests: string[];
  close(): Promise<void>;
}

/**
 * A payer's patient access API as REAL-WORLD.md describes it: no CapabilityStatement (404), no Patient read,
 * `Patient/{id}/$everything` paged with `_count` and `_page`, one per-type search (Coverage), every other search
 * 404. It accepts only live access tokens of the sandbox's patient, so the connection's real grant is used.
 */
export async function startPayerServer(sandbox: Sandbox, orgId: string): Promise<PayerServer> {
  const state = { omit: new Set<string>(), brokenPages: new Set<number>(), requests: [] as string[] };
  const app = new Hono();
  const holder = { base: '' };
  app.get('/payer/fhir/*', (c) => {
    const url = new URL(c.req.url);
    state.requests.push(`${url.pathname.slice('/payer/fhir'.length)}${url.search}`);
    const token = sandbox.tokens.lookupAccessToken(
      (c.req.header('authorization') ?? '').replace(/^Bearer /, ''),
    );
    if (!token) return c.body(null, 401);
    const [type, id, operation] = url.pathname
      .slice('/payer/fhir/'.length)
      .split('/')
      .map(decodeURIComponent);
    if (type === 'Patient' && id === token.patientId && operation === '$everything') {
      const count = Number(url.searchParams.get('_count') ?? 50);
      const page = Number(url.searchParams.get('_page') ?? 1);
      if (state.brokenPages.has(page)) return c.text('{"resourceType":"Bundle","entry":[', 200);
      const all = [
        sandbox.data.read(orgId, 'Patient', token.patientId)!,
        ...PAYER_TYPES.flatMap((t) => sandbox.data.patientResources(orgId, token.patientId, t)),
      ].filter((r) => !state.omit.has(`${r.resourceType}/${r.id}`));
      const slice = all.slice((page - 1) * count, page * count);
      const next =
        page * count < all.length
          ? `${holder.base}/Patient/${id}/$everything?_count=${count}&_page=${page + 1}`
          : undefined;
      return c.json({
        resourceType: 'Bundle',
        type: 'searchset',
        link: next ? [{ relation: 'next', url: next }] : [],
        entry: slice.map((resource) => ({
          fullUrl: `${holder.base}/${resource.resourceType}/${resource.id}`,
          resource,
        })),
      });
    }
    if (type === 'Coverage' && id === undefined && url.searchParams.get('patient') === token.patientId) {
      const coverage = {
        resourceType: 'Coverage',
        id: 'coverage-1',
        status: 'active',
        beneficiary: { reference: `Patient/${token.patientId}` },
        payor: [{ reference: 'Organization/payer-1' }],
      };
      return c.json({ resourceType: 'Bundle', type: 'searchset', entry: [{ resource: coverage }] });
    }
    if (type === 'Organization' && id === 'payer-1')
      return c.json({ resourceType: 'Organization', id: 'payer-1', name: 'Prairie Health Plan' });
    return c.text('not found', 404);
  });
  const server = await startTestServer(app);
  holder.base = `${server.url}/payer/fhir`;
  return { fhirBase: holder.base, ...state, close: server.close };
}

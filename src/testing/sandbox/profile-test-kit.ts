import { startAuthHarness, type AuthHarness } from './auth-test-harness.ts';
import type { SandboxOptions } from '../../sandbox/sandbox.ts';

/** Every resource type, read and search (v1 and v2 forms are both understood by the sandbox). */
export const fullScope = 'openid fhirUser launch/patient offline_access patient/*.read';

export interface Connection {
  accessToken: string;
  patient: string;
  fhirBase: string;
  tokenBody: Record<string, unknown>;
}

export interface FhirAnswer {
  status: number;
  contentType: string | null;
  text: string;
  json<T = Record<string, unknown>>(): T;
}

export interface ProfileHarness extends AuthHarness {
  /** Auto-approved launch of an organisation's first patient (or `login_hint`) with `scope` (default full). */
  connectTo(orgId: string, opts?: { scope?: string; loginHint?: string }): Promise<Connection>;
  get(url: string, token?: string, accept?: string): Promise<FhirAnswer>;
}

/**
 * For profile tests: the whole sandbox (fixture data, the given profiles) with a registered client, the real
 * authorize and token endpoints, and plain HTTP on 127.0.0.1.
 */
export async function startProfileHarness(options: Partial<SandboxOptions>): Promise<ProfileHarness> {
  const harness = await startAuthHarness({ data: undefined, ...options });
  const connectTo: ProfileHarness['connectTo'] = async (orgId, opts = {}) => {
    harness.urls = harness.sandbox.orgUrls(orgId);
    const params: Record<string, string> = { scope: opts.scope ?? fullScope };
    if (opts.loginHint) params.login_hint = opts.loginHint;
    const tokenBody = await harness.connect(params);
    return {
      accessToken: String(tokenBody.access_token),
      patient: String(tokenBody.patient),
      fhirBase: harness.urls.fhirBase,
      tokenBody,
    };
  };
  const get: ProfileHarness['get'] = async (url, token, accept) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (accept) headers.accept = accept;
    const response = await fetch(url, { headers });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      text,
      json: <T>() => JSON.parse(text) as T,
    };
  };
  return Object.assign(harness, { connectTo, get });
}

type Bundle = {
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { resource?: { resourceType: string; id: string }; search?: { mode?: string } }[];
};

/** Follows next links from `url`; returns every page's Bundle in order (fails on any non-200). */
export async function pageThrough(harness: ProfileHarness, url: string, token: string): Promise<Bundle[]> {
  const pages: Bundle[] = [];
  let next: string | undefined = url;
  while (next) {
    const answer = await harness.get(next, token);
    if (answer.status !== 200)
      throw new Error(`${next} answered ${answer.status}: ${answer.text.slice(0, 200)}`);
    const bundle = answer.json<Bundle>();
    pages.push(bundle);
    next = bundle.link?.find((link) => link.relation === 'next')?.url;
  }
  return pages;
}

/** `Type/id` of every match entry of the pages. */
export function matchKeys(pages: Bundle[]): string[] {
  return pages.flatMap((page) =>
    (page.entry ?? [])
      .filter((entry) => entry.search?.mode !== 'outcome' && entry.resource)
      .map((entry) => `${entry.resource!.resourceType}/${entry.resource!.id}`),
  );
}

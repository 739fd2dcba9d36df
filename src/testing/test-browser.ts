/**
 * A minimal cookie-keeping HTTP client that follows nothing by itself, so a test sees every redirect of a launch
 * (like a browser would, but step by step).
 */
export interface TestBrowser {
  cookies: Map<string, string>;
  get(url: string, init?: RequestInit): Promise<Response>;
  post(url: string, form: Record<string, string>, init?: RequestInit): Promise<Response>;
  /** Follows redirects until one points at `origin`; returns that URL without requesting it. */
  followToOrigin(url: string, origin: string): Promise<string>;
}

export function createBrowser(): TestBrowser {
  const cookies = new Map<string, string>();
  const send = async (url: string, init: RequestInit = {}) => {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const response = await fetch(url, {
      ...init,
      redirect: 'manual',
      headers: { ...(cookie ? { cookie } : {}), ...init.headers },
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair!.indexOf('=');
      cookies.set(pair!.slice(0, index).trim(), pair!.slice(index + 1).trim());
    }
    return response;
  };
  return {
    cookies,
    get: (url, init) => send(url, init),
    post: (url, form, init = {}) =>
      send(url, {
        ...init,
        method: 'POST',
        body: new URLSearchParams(form),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
      }),
    async followToOrigin(url, origin) {
      let current = url;
      for (let hop = 0; hop < 10; hop += 1) {
        if (new URL(current).origin === new URL(origin).origin) return current;
        const response = await send(current);
        const location = response.headers.get('location');
        if (!location)
          throw new Error(
            `no redirect from ${new URL(current).pathname}: http ${response.status} ${(await response.text()).slice(0, 300)}`,
          );
        current = new URL(location, current).toString();
      }
      throw new Error('too many redirects');
    },
  };
}

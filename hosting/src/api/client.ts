/**
 * The API client of every caller we write (the web app; the seed, replay and benchmark scripts): openapi-fetch over the types
 * generated from the OpenAPI document (schema.ts), so a script or page whose call no longer fits the
 * contract does not compile. `expectOk` turns an error answer into an exception with its body.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema';

export type ApiClient = Client<paths>;

/** A client for the api at `baseUrl` (the function's URL, or Hosting's `/api`), as `token`'s user. */
export function apiClient(baseUrl: string, token?: string): ApiClient {
  return createClient<paths>({
    baseUrl,
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
}

/** The data of a 2xx answer; anything else throws with the status and the error body. */
export async function expectOk<T>(
  call: Promise<{ data?: T; error?: unknown; response: Response }>,
  what: string,
): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok || data === undefined)
    throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(error ?? null).slice(0, 500)}`);
  return data;
}

/** Sends a string body as is (CSV), where openapi-fetch would JSON-encode it. */
export const csvBody = {
  bodySerializer: (body: unknown) => body as string,
  headers: { 'content-type': 'text/csv' },
};

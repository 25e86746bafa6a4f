/** Response bodies in tests are read as loosely typed JSON; assertions check their shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export async function readJson(res: Response): Promise<Json> {
  return (await res.json()) as Json;
}

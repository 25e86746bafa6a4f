import { z } from 'zod';

/**
 * A Firestore document id taken from a request: the pattern, and never `__…__`, which Firestore
 * reserves (a read or write with such an id fails, which would surface as a 500). Found by the
 * property tests.
 */
export const documentId = (pattern: RegExp, what: string) =>
  z
    .string()
    .regex(pattern, what)
    .refine((id) => !/^__.*__$/.test(id), { message: `${what}, not of the reserved form __…__` });

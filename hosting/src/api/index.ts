/** The API as the web app calls it: same origin, through Hosting's /api rewrite, typed by the contract. */
import { apiClient } from './client';

export const api = apiClient('/api');
export type { components } from './schema';

/**
 * What the app has already shown, by game: a game page opened from a week's card renders at once
 * from the card's data while it asks for the full game and prediction.
 */
import type { components } from './api';

export type SeenGame = components['schemas']['Week']['games'][number];

const seen = new Map<string, SeenGame>();
const MAX = 500;

export function remember(games: readonly SeenGame[]): void {
  for (const g of games) {
    seen.delete(g.gameId);
    seen.set(g.gameId, g);
  }
  while (seen.size > MAX) seen.delete(seen.keys().next().value as string);
}

export function seenGame(gameId: string): SeenGame | undefined {
  return seen.get(gameId);
}

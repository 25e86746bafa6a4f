import { Router, type Request } from 'express';
import { z } from 'zod';
import {
  calendarDate,
  GAME_STATUSES,
  gameIdText,
  importRowSchema,
  instant,
  SPORTS,
  type ImportRow,
} from '../../data/games';
import { CsvError, parseCsv } from '../../domain/csv';
import { decodeCursor, getGame, ImportConflict, importGames, listGames } from '../../services/games';
import type { Firestore } from 'firebase-admin/firestore';
import { badRequest, fieldErrors, HttpError, notFound } from '../errors';
import { handler } from '../handler';
import { requireAdmin, type TokenVerifier } from '../middleware/auth';
import { parseRequest } from '../middleware/validate';

export const MAX_IMPORT_ROWS = 20_000;
const DAY_MS = 86_400_000;

/** A date (`2017-09-10`, the whole day) or an ISO date-time. */
const dateOrDateTime = z.union([calendarDate, instant]);

export const gameListQuery = z.object({
  sport: z.enum(SPORTS).default('nfl'),
  season: z.coerce.number().int().min(1900).max(2100).optional(),
  status: z.enum(GAME_STATUSES).optional(),
  from: dateOrDateTime.optional(),
  to: dateOrDateTime.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  cursor: z
    .string()
    .max(500)
    .refine((c) => decodeCursor(c) !== null, 'not a cursor this API returned')
    .optional(),
});

export const gameParams = z.object({ gameId: gameIdText });

/** `to=2017-09-10` includes that whole day; a date-time is an exclusive bound. */
function upperBound(to: string): Date {
  return to.length === 10 ? new Date(Date.parse(`${to}T00:00:00Z`) + DAY_MS) : new Date(to);
}

/** The import body: a JSON array of rows, or CSV text (Content-Type text/csv) with a header line. */
function importRows(req: Request): ImportRow[] {
  let raw: unknown[];
  if (req.is('text/csv')) {
    const body: unknown = req.body;
    const text =
      typeof body === 'string'
        ? body
        : Buffer.isBuffer(body)
          ? body.toString('utf8')
          : (req.rawBody?.toString('utf8') ?? '');
    try {
      raw = parseCsv(text).rows;
    } catch (err) {
      throw badRequest(`Invalid CSV: ${err instanceof CsvError ? err.message : 'unreadable'}.`);
    }
  } else if (Array.isArray(req.body)) {
    raw = req.body as unknown[];
  } else {
    throw badRequest('Send a JSON array of games, or CSV with Content-Type: text/csv.', [
      { field: 'body', message: 'expected an array or CSV text' },
    ]);
  }
  if (raw.length === 0) throw badRequest('No games to import.', [{ field: 'body', message: 'empty' }]);
  if (raw.length > MAX_IMPORT_ROWS) {
    throw badRequest(`At most ${MAX_IMPORT_ROWS} games per import; split the file.`, [
      { field: 'body', message: `${raw.length} rows` },
    ]);
  }
  const parsed = z.array(importRowSchema).safeParse(raw);
  if (!parsed.success) {
    throw badRequest(
      'Some games are invalid; nothing was imported.',
      fieldErrors(parsed.error, 'body').slice(0, 50),
    );
  }
  return parsed.data;
}

export function gameRoutes(db: () => Firestore, verify: TokenVerifier): Router {
  const router = Router();
  router.get(
    '/games',
    handler(async (req, res) => {
      const { query } = parseRequest(req, { query: gameListQuery });
      const page = await listGames(db(), {
        sport: query.sport,
        ...(query.season !== undefined ? { season: query.season } : {}),
        ...(query.status ? { status: query.status } : {}),
        ...(query.from ? { from: new Date(query.from) } : {}),
        ...(query.to ? { to: upperBound(query.to) } : {}),
        limit: query.limit,
        ...(query.cursor ? { cursor: decodeCursor(query.cursor) ?? undefined } : {}),
      });
      res.json(page);
    }),
  );
  router.get(
    '/games/:gameId',
    handler(async (req, res) => {
      const { params } = parseRequest(req, { params: gameParams });
      const game = await getGame(db(), params.gameId);
      if (!game) throw notFound(`No game ${params.gameId}.`);
      res.json(game);
    }),
  );
  router.post(
    '/admin/games\\:import',
    requireAdmin(verify),
    handler(async (req, res) => {
      const rows = importRows(req);
      try {
        res.json(await importGames(db(), rows));
      } catch (err) {
        if (!(err instanceof ImportConflict)) throw err;
        throw new HttpError(
          409,
          'import_conflict',
          'Some rows do not say which stored game they are; nothing was imported.',
          err.problems
            .flatMap((p) =>
              p.rows.map((row) => ({
                field: `body[${row}]${p.field ? `.${p.field}` : ''}`,
                message: p.message,
              })),
            )
            .slice(0, 50),
        );
      }
    }),
  );
  return router;
}

/**
 * DESIGN.md describes what is built, and this keeps it so: every repo path it names must exist, and
 * every Firestore collection it names must be one the functions use (top-level collections are the
 * ones in functions/src/data/collections.ts; a subcollection must appear as a string literal in
 * functions/src). Prose that names a file or a collection that is gone fails here, not in review.
 *
 * What counts as a path:
 *  - anything rooted at a top-level folder (`functions/...`, `scripts/...`, `hosting/...`, `docs/...`),
 *    in backticks or not;
 *  - a backticked or parenthesised module path such as `cache/versioned.ts` or (services/billing.ts):
 *    relative to functions/src (or functions/, for test/...);
 *  - a backticked bare file name such as `guides.test.ts`: some file of that name must exist;
 *  - the first column of the layout blocks (the one after "Inside functions/src" is relative to it).
 * Paths git ignores (build output, generated env files) are only named, never required.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Collections } from '../functions/src/data/collections';
import { repoRoot } from './lib/paths';

const ROOTS = ['functions', 'scripts', 'hosting', 'docs'];
const FUNCTIONS_SRC = join('functions', 'src');

export interface PathMention {
  path: string;
  /** Folders (relative to the repo root) the path may be relative to; '' is the root. */
  bases: string[];
}

/** Repo paths named in a design document (see the module comment for what counts). */
export function pathMentions(markdown: string): PathMention[] {
  const found: PathMention[] = [];
  const add = (path: string, bases: string[]): void => {
    const clean = path.replace(/[.,:;]+$/, '');
    if (!found.some((m) => m.path === clean && m.bases.join() === bases.join()))
      found.push({ path: clean, bases });
  };
  const rooted = new RegExp(`(?<![\\w@./{-])((?:${ROOTS.join('|')})/[\\w./-]*)`, 'g');
  for (const match of markdown.matchAll(rooted)) add(match[1] ?? '', ['']);
  const modules = /(?<![\w@./{:-])((?:[\w-]+\/)+[\w-]+(?:\.[\w-]+)*\.(?:ts|tsx|json|md|rules|mjs))(?![\w/])/g;
  for (const [, path = ''] of markdown.matchAll(modules)) {
    if (!ROOTS.some((root) => path.startsWith(`${root}/`))) add(path, [FUNCTIONS_SRC, 'functions']);
  }
  for (const [, token = ''] of markdown.matchAll(
    /`(\.?[\w-]+(?:\.[\w-]+)*\.(?:ts|tsx|md|json|rules|mjs|local))`/g,
  )) {
    add(token, ['*']);
  }

  // Layout blocks: fenced blocks whose lines start with a file or folder name, relative to the
  // folder the paragraph before them names ("Inside functions/src, ...") or to the repo root.
  for (const block of markdown.matchAll(/```\n([\s\S]*?)```/g)) {
    const before = markdown.slice(0, block.index).trimEnd();
    const paragraph = before.slice(before.lastIndexOf('\n\n') + 1);
    const base = /Inside ([\w/]+)/.exec(paragraph)?.[1] ?? '';
    for (const line of (block[1] ?? '').split('\n')) {
      const entry = /^([.\w-]+(?:\/[\w.-]*)?)\s{2,}/.exec(line)?.[1];
      if (entry) add(entry, [base]);
    }
  }
  return found;
}

export interface CollectionMention {
  /** The collection segments of a document path: `models/{id}/versions/{v}` gives [models, versions]. */
  collections: string[];
  text: string;
}

/** Firestore document paths named in backticks: `games/{gameId}`, `ops/health`, `ops/billing/parked_events/{id}`. */
export function collectionMentions(markdown: string): CollectionMention[] {
  const out: CollectionMention[] = [];
  for (const [, text = ''] of markdown.matchAll(/`([a-z][a-z_]*\/[^`\s]+)`/g)) {
    if (text.endsWith('/') || /\.[a-z]+$/.test(text)) continue; // a folder or a file
    if (ROOTS.some((root) => text.startsWith(`${root}/`))) continue; // a repo path
    const segments = text.split('/');
    out.push({ text, collections: segments.filter((_, i) => i % 2 === 0) });
  }
  return out;
}

/** As a file, or as a folder (`hosting/dist/` matches only a folder, and before a build there is none). */
function ignoredByGit(path: string): boolean {
  try {
    execFileSync('git', ['check-ignore', path, `${path.replace(/\/$/, '')}/`], {
      cwd: repoRoot,
      stdio: 'ignore',
    });
    return true; // (exit 0: at least one of the two is ignored)
  } catch {
    return false;
  }
}

function filesNamed(name: string): boolean {
  const search = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((entry) =>
      entry.isDirectory()
        ? !['node_modules', 'lib', 'dist', '.git'].includes(entry.name) && search(join(dir, entry.name))
        : entry.name === name,
    );
  return ['functions', 'scripts', 'hosting', 'docs'].some((root) => search(join(repoRoot, root)));
}

/** Why a mentioned path does not resolve, or null when it does. */
export function missingPath(mention: PathMention): string | null {
  if (mention.bases.includes('*')) {
    const name = basename(mention.path);
    return filesNamed(name) || ignoredByGit(join('functions', name)) ? null : `no file named ${name}`;
  }
  const candidates = mention.bases.map((base) => join(base, mention.path));
  if (candidates.some((c) => existsSync(join(repoRoot, c)) || ignoredByGit(c))) return null;
  return `${mention.path} (looked in ${mention.bases.map((b) => b || 'the repo root').join(', ')})`;
}

const sourceText = (() => {
  let text: string | undefined;
  return (): string => {
    if (text === undefined) {
      const read = (dir: string): string =>
        readdirSync(dir, { withFileTypes: true })
          .map((e) => (e.isDirectory() ? read(join(dir, e.name)) : readFileSync(join(dir, e.name), 'utf8')))
          .join('\n');
      text = read(join(repoRoot, FUNCTIONS_SRC));
    }
    return text;
  };
})();

/** Collections of a mention the code does not use. */
export function unknownCollections(mention: CollectionMention): string[] {
  const topLevel = new Set<string>(Object.values(Collections));
  return mention.collections.filter((name, i) =>
    i === 0 ? !topLevel.has(name) : !sourceText().includes(`'${name}'`),
  );
}

describe('DESIGN.md', () => {
  const design = readFileSync(join(repoRoot, 'DESIGN.md'), 'utf8');

  it('names only repo paths that exist', () => {
    const mentions = pathMentions(design);
    expect(mentions.length).toBeGreaterThan(20);
    expect(mentions.map(missingPath).filter((m) => m !== null)).toEqual([]);
  });

  it('names only Firestore collections the functions use', () => {
    const mentions = collectionMentions(design);
    expect(mentions.length).toBeGreaterThan(10);
    const unknown = mentions.flatMap((m) =>
      unknownCollections(m).map((name) => `${name} (in \`${m.text}\`)`),
    );
    expect(unknown).toEqual([]);
  });
});

describe('the DESIGN.md checks', () => {
  it('find paths in prose, backticks, parentheses and layout blocks, and resolve them', () => {
    const doc = [
      'See scripts/lib/stack.ts and `cache/versioned.ts` (services/billing.ts), `guides.test.ts`, `/v1/health`.',
      'Inside functions/src, one direction:',
      '',
      '```',
      'index.ts        exports',
      'gone/           nothing here',
      '```',
    ].join('\n');
    const mentions = pathMentions(doc);
    expect(mentions.map((m) => m.path)).toEqual([
      'scripts/lib/stack.ts',
      'functions/src',
      'cache/versioned.ts',
      'services/billing.ts',
      'guides.test.ts',
      'index.ts',
      'gone/',
    ]);
    expect(mentions.map(missingPath)).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
      expect.stringContaining('gone/'),
    ]);
    expect(missingPath({ path: 'functions/src/metrics/registry.ts', bases: [''] })).not.toBeNull();
    expect(missingPath({ path: 'nowhere.test.ts', bases: ['*'] })).not.toBeNull();
  });

  it('find document paths and check their collections', () => {
    const doc =
      '`games/{gameId}`, `team_ratings/{sport}_{team}`, `models/{m}/versions/{v}`, `x/y.ts` `docs/` no';
    const mentions = collectionMentions(doc);
    expect(mentions.map((m) => m.collections)).toEqual([['games'], ['team_ratings'], ['models', 'versions']]);
    expect(mentions.map(unknownCollections)).toEqual([[], ['team_ratings'], []]);
    expect(unknownCollections({ text: 'models/{m}/drafts/{d}', collections: ['models', 'drafts'] })).toEqual([
      'drafts',
    ]);
  });
});

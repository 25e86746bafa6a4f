/**
 * The guides in docs/ run against the stack, so their examples cannot rot: every ```sh block (bash
 * -euo pipefail, from the repo root), every ```ts block (as an ES module, type-checked strict, then run
 * by node) and every ```python block (python3, standard library) must exit 0, in the
 * guide's order, with the variables docs/README.md promises. ```text and ```json blocks are shown,
 * not run. Each guide gets its own free user, so one guide's upgrade does not change another's.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { Timestamp } from 'firebase-admin/firestore';
import { fakeUrl } from './stripe-helpers';
import {
  apiUrl,
  db,
  idTokenFor,
  nflSeasonsCsv,
  readRepoJson,
  repoRoot,
  seedNfl,
  tokenWithTier,
} from './helpers';

const run = promisify(execFile);
const docsDir = join(repoRoot, 'docs');
const workDir = join(repoRoot, '.test-results', 'guides');
const tscBin = join(repoRoot, 'node_modules', '.bin', 'tsc');

interface Example {
  guide: string;
  lang: 'sh' | 'ts' | 'python';
  line: number;
  code: string;
}

const RUN: Record<string, Example['lang']> = { sh: 'sh', ts: 'ts', python: 'python' };
const SHOWN = new Set(['text', 'json']);

/** The guides in the order docs/README.md lists them. */
function guides(): string[] {
  const index = readFileSync(join(docsDir, 'README.md'), 'utf8');
  return [...index.matchAll(/\]\(([\w-]+\.md)\)/g)].map((m) => m[1] as string);
}

function examples(guide: string): Example[] {
  const text = readFileSync(join(docsDir, guide), 'utf8');
  const found: Example[] = [];
  for (const m of text.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)) {
    const tag = m[1] as string;
    const line = text.slice(0, m.index).split('\n').length;
    const lang = RUN[tag];
    if (lang) found.push({ guide, lang, line, code: m[2] as string });
    else if (!SHOWN.has(tag))
      throw new Error(`${guide}:${line}: a code block needs a language (sh, ts, python, text, json)`);
  }
  return found;
}

const env: Record<string, string> = {};

async function runExample(example: Example, extra: Record<string, string>): Promise<void> {
  const file = join(workDir, `${example.guide.replace(/\.md$/, '')}-${example.line}`);
  const childEnv = { ...process.env, ...env, ...extra };
  let command: [string, string[]];
  if (example.lang === 'sh') command = ['bash', ['-euo', 'pipefail', '-c', example.code]];
  else if (example.lang === 'python') command = ['python3', ['-c', example.code]];
  else {
    // Types are checked once for all examples (below); each runs as plain JS, so that node starts fast.
    const js = ts.transpileModule(example.code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(`${file}.mjs`, js);
    command = [process.execPath, [`${file}.mjs`]];
  }
  try {
    const { stdout, stderr } = await run(command[0], command[1], {
      cwd: repoRoot,
      env: childEnv,
      timeout: 60_000,
    });
    writeFileSync(`${file}.log`, `${stdout}\n--- stderr\n${stderr}`);
  } catch (err) {
    const { stdout, stderr } = err as { stdout?: string; stderr?: string };
    throw new Error(
      `${example.guide}:${example.line} (${example.lang}) failed\n--- stdout\n${stdout ?? ''}\n--- stderr\n${stderr ?? ''}`,
    );
  }
}

beforeAll(async () => {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const admin = await idTokenFor('guides-admin@example.com', { admin: true });
  await seedNfl(admin, nflSeasonsCsv(2016), readRepoJson('models', 'nfl', 'model.json'), {
    clearFirst: true,
  });
  // An insight as the system raises them, for the admin guide to acknowledge.
  await db().doc('insights/guides-upset').set({
    type: 'upset',
    status: 'open',
    severity: 'high',
    gameId: 'nfl_2017-09-07_NE_KC',
    message: 'KC beat NE although the model gave NE 74%',
    createdAt: Timestamp.now(),
  });
  Object.assign(env, {
    API: apiUrl('').replace(/\/$/, ''),
    ADMIN: admin,
    PRO_TOKEN: await tokenWithTier('guides-pro@example.com', 'pro'),
    STRIPE_FAKE_URL: fakeUrl(),
  });
}, 120_000);

it('docs/README.md lists every guide in docs/, and each has sh, ts and python examples', () => {
  const listed = guides();
  const files = readdirSync(docsDir).filter((f) => f.endsWith('.md') && f !== 'README.md');
  expect([...listed].sort()).toEqual(files.sort());
  for (const guide of listed) {
    expect([guide, [...new Set(examples(guide).map((e) => e.lang))].sort()]).toEqual([
      guide,
      ['python', 'sh', 'ts'],
    ]);
  }
});

describe.each(guides())('%s', (guide) => {
  const email = `guides-${guide.replace(/\.md$/, '')}@example.com`;
  let token = '';
  beforeAll(async () => {
    token = await idTokenFor(email);
  });
  it.each(examples(guide).map((e) => [`line ${e.line} (${e.lang})`, e] as const))(
    '%s',
    async (_, example) => {
      await runExample(example, { TOKEN: token, EMAIL: email });
    },
  );
});

it('every TypeScript example type-checks (strict, as an ES module)', async () => {
  const files = guides().flatMap((guide) =>
    examples(guide)
      .filter((e) => e.lang === 'ts')
      .map((e) => {
        const file = join(workDir, `check-${guide.replace(/\.md$/, '')}-${e.line}.mts`);
        writeFileSync(file, e.code);
        return file;
      }),
  );
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      lib: ['ES2022'],
      types: ['node'],
      strict: true,
      noUncheckedIndexedAccess: true,
      skipLibCheck: true,
      noEmit: true,
    },
    files,
  };
  writeFileSync(join(workDir, 'tsconfig.json'), JSON.stringify(tsconfig));
  await run(tscBin, ['-p', join(workDir, 'tsconfig.json')], { cwd: repoRoot }).catch((err: unknown) => {
    throw new Error(`tsc: ${(err as { stdout?: string }).stdout ?? String(err)}`);
  });
}, 60_000);

// Builds the web app into hosting/dist, which Firebase Hosting serves: Vite bundles src/ (Preact,
// TypeScript, the typed API client) into hashed assets, public/ is copied as is, and the
// self-hosted Swagger UI (swagger-ui-dist, no CDN) is added for the API reference at /docs/.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
// The emulators' ports, for the web app served locally (firebase.json is their one source).
const { emulators } = JSON.parse(readFileSync(join(here, '..', 'firebase.json'), 'utf8'));

await build({
  root: join(here, 'src'),
  publicDir: join(here, 'public'),
  logLevel: 'warn',
  define: {
    __EMULATOR_PORTS__: JSON.stringify({ auth: emulators.auth.port, firestore: emulators.firestore.port }),
  },
  // The Firestore SDK (live pages only, loaded on demand) is one ~550 KB chunk: expected.
  build: {
    outDir: dist,
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    chunkSizeWarningLimit: 600,
  },
});

// Every path but the home page gets app.html: the built index.html without the home page's preload.
// Written from the build's output (one HTML input, so the entry script is one chunk, not three
// chunks shared by two inputs), so the two never drift.
const home = readFileSync(join(dist, 'index.html'), 'utf8');
const app = home.replace(/\n\s*<!-- The home page's data[^\n]*\n[^\n]*rel="preload"[^\n]*/, '');
if (app === home) throw new Error('index.html: the preload this build removes for app.html was not found');
writeFileSync(join(dist, 'app.html'), app);

const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
  cpSync(
    join(swaggerUi, file),
    join(dist, 'docs', file === 'LICENSE' || file === 'NOTICE' ? `swagger-ui-${file}.txt` : file),
  );
}

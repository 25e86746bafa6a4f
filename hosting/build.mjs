// Builds the web app into hosting/dist, which Firebase Hosting serves: Vite bundles src/ (Preact,
// TypeScript, the typed API client) into hashed assets, public/ is copied as is, and the
// self-hosted Swagger UI (swagger-ui-dist, no CDN) is added for the API reference at /docs/.
import { cpSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');

await build({
  root: join(here, 'src'),
  publicDir: join(here, 'public'),
  logLevel: 'warn',
  build: { outDir: dist, emptyOutDir: true, target: 'es2022', assetsDir: 'assets' },
});

const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
  cpSync(
    join(swaggerUi, file),
    join(dist, 'docs', file === 'LICENSE' || file === 'NOTICE' ? `swagger-ui-${file}.txt` : file),
  );
}

// Builds the web app into hosting/dist, which Firebase Hosting serves: a static copy of src/, plus
// the self-hosted Swagger UI (swagger-ui-dist, no CDN) for the API reference at /docs/.
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });
cpSync(join(here, 'src'), dist, { recursive: true });

const swaggerUi = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
for (const file of ['swagger-ui-bundle.js', 'swagger-ui.css', 'LICENSE', 'NOTICE']) {
  cpSync(
    join(swaggerUi, file),
    join(dist, 'docs', file === 'LICENSE' || file === 'NOTICE' ? `swagger-ui-${file}.txt` : file),
  );
}

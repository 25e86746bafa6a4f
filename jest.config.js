// Jest projects: `unit` (pure, fast, no emulator), `scripts` (developer tooling), `integration`
// (needs the local stack; run through `npm run test:integration`).
const fs = require('node:fs');

const tsJest = (tsconfig) => ({ '^.+\\.ts$': ['ts-jest', { tsconfig, isolatedModules: false }] });

/** @type {import('jest').Config} */
module.exports = {
  // A project whose folder does not exist yet is left out (jest rejects missing roots).
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/functions/test/unit'],
      testMatch: ['**/*.test.ts'],
      transform: tsJest('<rootDir>/functions/tsconfig.json'),
    },
    {
      displayName: 'scripts',
      testEnvironment: 'node',
      roots: ['<rootDir>/scripts'],
      testMatch: ['**/*.test.ts'],
      transform: tsJest('<rootDir>/scripts/tsconfig.json'),
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/functions/test/integration'],
      testMatch: ['**/*.test.ts'],
      transform: tsJest('<rootDir>/functions/tsconfig.json'),
    },
  ].filter((p) => fs.existsSync(p.roots[0].replace('<rootDir>', __dirname))),
};

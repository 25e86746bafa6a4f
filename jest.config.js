// Jest projects: `unit` (pure, fast, no emulator), `scripts` (developer tooling), `integration`
// (needs the local stack; run through `npm run test:integration`).
const tsJest = (tsconfig) => ({ '^.+\\.ts$': ['ts-jest', { tsconfig, isolatedModules: false }] });

/** @type {import('jest').Config} */
module.exports = {
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
  ],
};

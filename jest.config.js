/**
 * Test layers (see README "Tests"):
 *  - unit:        functions/test/unit, pure and in-process; no emulator, no network.
 *  - scripts:     scripts/**\/*.test.ts: developer tooling, incl. the Upstash REST server over a private redis-server.
 *  - integration: functions/test/integration, run by `npm test` inside `firebase emulators:exec`.
 */
const transform = (tsconfig) => ({ '^.+\\.ts$': ['ts-jest', { tsconfig }] });

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      roots: ['<rootDir>/functions/test/unit'],
      transform: transform('<rootDir>/functions/tsconfig.json'),
    },
    {
      displayName: 'scripts',
      testEnvironment: 'node',
      roots: ['<rootDir>/scripts'],
      transform: transform('<rootDir>/scripts/tsconfig.json'),
    },
    {
      displayName: 'integration',
      testEnvironment: 'node',
      roots: ['<rootDir>/functions/test/integration'],
      setupFiles: ['<rootDir>/functions/test/integration/setup-env.ts'],
      setupFilesAfterEnv: ['<rootDir>/functions/test/integration/contract-recorder.ts'],
      transform: transform('<rootDir>/functions/tsconfig.json'),
    },
  ],
};

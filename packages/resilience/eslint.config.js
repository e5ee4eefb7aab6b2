import { packageConfig } from '@agentmesh/eslint-config';

export default [
  // A plain-JS child process for the crash test, run by node outside the TypeScript project.
  { ignores: ['test/fixtures/**/*.mjs'] },
  ...packageConfig(import.meta.dirname),
];

import { libraryConfig } from '@agentmesh/tsup-config';

export default libraryConfig(['src/index.ts', 'src/testing/index.ts'], { external: ['vitest'] });

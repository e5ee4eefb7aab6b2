import { packageConfig } from '@agentmesh/vitest-config';

export default packageConfig();

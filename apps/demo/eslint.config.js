import { packageConfig } from '@agentmesh/eslint-config';

export default packageConfig(import.meta.dirname);

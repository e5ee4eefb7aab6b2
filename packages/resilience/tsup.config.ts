import { libraryConfig } from '@agentmesh/tsup-config';

export default libraryConfig();

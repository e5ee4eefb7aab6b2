import { describeStoreContract } from '../../test/store-contract.js';
import { MemoryDeadLetterStore } from './memory-store.js';

describeStoreContract('memory', () => Promise.resolve(new MemoryDeadLetterStore()));

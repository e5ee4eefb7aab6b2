// Map-reduce
export { mapReduce } from './map-reduce/map-reduce.js';
export { MapReduceCoordinator, type MapReduceCoordinatorOptions, type MapReduceJob } from './map-reduce/coordinator.js';
export { defineMapper, type MapperDefinition } from './map-reduce/mapper.js';
export { MAP_REDUCE_METADATA_KEY, readChunk, type Chunk, type ChunkInfo } from './map-reduce/chunk-message.js';
export {
  DEFAULT_MAP_REDUCE_ON_ERROR,
  MAP_REDUCE_ERROR_MODES,
  type ChunkAttemptFailure,
  type ChunkFailure,
  type ChunkReassignment,
  type MapReduceErrorMode,
  type MapReduceOptions,
  type MapReduceResult,
  type ReduceFunction,
  type ReduceInfo,
} from './map-reduce/types.js';

// Chain of responsibility
export {
  CHAIN_ANY_TYPE,
  ChainOfResponsibilityAgent,
  DEFAULT_CHAIN_MAX_HOPS,
  type ChainOfResponsibilityAgentOptions,
  type ChainRequestHandler,
} from './chain/chain-agent.js';
export { createChain, type Chain, type ChainLink, type CreateChainOptions } from './chain/create-chain.js';
export { CHAIN_PATH_KEY, readChainPath } from './chain/path.js';

// Observer
export { ObservableAgent } from './observer/observable-agent.js';
export { DEFAULT_OBSERVER_TOPIC_PREFIX, observerTopic } from './observer/topic.js';
export { readObservedEvent } from './observer/event-message.js';
export type {
  DeliveryStats,
  NotifyOptions,
  ObservableAgentOptions,
  ObservedEvent,
  Observer,
  ObserverFunction,
  ObserverOutcome,
} from './observer/types.js';

// Scatter-gather
export { scatterGather } from './scatter-gather/scatter-gather.js';
export {
  SCATTER_GATHER_MODES,
  type ScatterGatherMode,
  type ScatterGatherOptions,
  type ScatterGatherResult,
  type ScatterReply,
  type TargetOutcome,
} from './scatter-gather/types.js';

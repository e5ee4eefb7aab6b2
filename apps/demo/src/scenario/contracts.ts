import { defineRequest } from '@agentmesh/protocols';
import { z } from 'zod';

/** Versions every desk agent speaks; the legacy notifier refuses all but 1.x. */
export const DESK_VERSIONS = ['2.1', '2.0', '1.4'] as const;

/** What each specialist must offer for the coordinator to work with it. */
export const REQUIRED_CAPABILITIES: Readonly<Record<string, readonly string[]>> = {
  'analyzer-1': ['analyze-logs'],
  'analyzer-2': ['analyze-logs'],
  'analyzer-3': ['analyze-logs'],
  classifier: ['classify'],
  billing: ['ticket'],
  pager: ['page'],
  'vendor-api': ['vendor-status'],
  postmortem: ['write-postmortem'],
  'legacy-notifier': ['notify'],
};

export const ANALYZERS = ['analyzer-1', 'analyzer-2', 'analyzer-3'] as const;

/** The typed request that drives the long postmortem task. */
export const writePostmortem = defineRequest('postmortem.write', {
  input: z.object({
    incidents: z.array(z.object({ id: z.number().int(), type: z.string(), errors: z.number().int(), paged: z.boolean() })).min(1),
  }),
  output: z.object({ title: z.string(), sections: z.array(z.string()).min(1), actionItems: z.number().int().nonnegative() }),
});

/** Steps the postmortem writer reports as progress. */
export const POSTMORTEM_STEPS = ['collect timeline', 'find root causes', 'list impact', 'draft actions', 'review'] as const;

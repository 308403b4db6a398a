// The schema: imports only, then build.
import { type GraphQLSchema, lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './user.js';
import './update-user.js';
import './contact-codes.js';
import { buildSubgraphSchema } from './federation.js';
import './events.js';

export const schema = lexicographicSortSchema(builder.toSchema());

/**
 * The same schema as a Federation v2 subgraph (src/schema/federation.ts). Built on each call (~80 ms),
 * by an app that serves it (GRAPHQL_FEDERATION=true), so that nobody else pays for it.
 */
export function subgraphSchema(): GraphQLSchema {
  return buildSubgraphSchema();
}

// The schema: imports only, then build.
import { type GraphQLSchema, lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './user.js';
import './update-user.js';
import './contact-codes.js';
import { buildSubgraphSchema } from './federation.js';

export const schema = lexicographicSortSchema(builder.toSchema());

let subgraph: GraphQLSchema | undefined;

/** The same schema as a Federation v2 subgraph (src/schema/federation.ts), built on first use. */
export function subgraphSchema(): GraphQLSchema {
  subgraph ??= buildSubgraphSchema();
  return subgraph;
}

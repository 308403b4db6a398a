// Federation v2 (issue 19.1): `HumanUser` is an entity keyed by `userId`, so other subgraphs can
// reference users and a router can ask this one for their fields (`_entities`). The plain schema
// (schema.graphql) does not change: the subgraph schema is a second build of the same builder
// (`subgraphSchema()` in index.ts), served only with GRAPHQL_FEDERATION=true.
import { builder } from './builder.js';
import { HumanUserRef } from './user.js';

/** The Federation version the subgraph SDL links to (`extend schema @link(url: …)`). */
export const FEDERATION_LINK = 'https://specs.apollo.dev/federation/v2.6';

builder.asEntity(HumanUserRef, {
  key: builder.selection<{ userId: string }>('userId'),
  // The path and visibility of Query.user: null when the user does not exist, is deleted, is a
  // machine user or is not visible to the caller (the Authorization the router forwards).
  resolveReference: (reference, ctx) => ctx.operations.getUser(reference.userId),
});

/** The subgraph schema: the plain one plus `_service`, `_entities`, `_Any` and the `@key`/`@link` directives. */
export function buildSubgraphSchema() {
  return builder.toSubGraphSchema({ linkUrl: FEDERATION_LINK });
}

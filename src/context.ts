// Per-request context: the user operations on behalf of the caller, and the request's
// credential-check budget (one password or code check per request; the rate-limit plugin wraps it).
import type { Viewer } from './domain/auth/permissions.js';
import { Errors } from './domain/errors.js';
import type { RequestBudget } from './domain/users/user-service.js';
import { type LocalBackend, localOperations, type UserOperations } from './operations.js';

export interface GraphQLContext {
  /** What resolvers may ask; authentication is lazy and memoized per request. */
  operations: UserOperations;
  budget: RequestBudget;
  /**
   * The authenticated caller, as far as the answer needs it: the profile's preferred language,
   * recorded once the caller is known, for the messages of this request's errors (it comes before
   * Accept-Language). An object, so yoga's copy of the context sees what is recorded later.
   */
  caller: CallerFacts;
}

export interface CallerFacts {
  language?: string;
}

/** Builds the operations of one request (the local domain, or another backend). */
export type OperationsFactory = (request: Request, context: GraphQLContext) => UserOperations;

/** The local backend's factory: the domain services, the caller from the Authorization header. */
export function localOperationsFactory(
  backend: LocalBackend,
  /** Told the caller once it is known (the request log records the user id). */
  onViewer: (request: Request, viewer: Viewer) => void = () => {},
): OperationsFactory {
  return (request, context) =>
    localOperations(backend, {
      authorization: request.headers.get('authorization'),
      orgId: request.headers.get('x-zitadel-orgid'),
      budget: () => context.budget,
      onViewer: (viewer) => {
        if (viewer.preferredLanguage) context.caller.language = viewer.preferredLanguage;
        onViewer(request, viewer);
      },
    });
}

export function createContext(operationsFor: OperationsFactory, request: Request): GraphQLContext {
  let credentialChecks = 0;
  const context = {
    caller: {},
    budget: {
      consumeCredentialCheck() {
        credentialChecks++;
        if (credentialChecks > 1) throw Errors.oneCredentialCheckPerRequest();
      },
    },
  } as GraphQLContext;
  context.operations = operationsFor(request, context);
  return context;
}

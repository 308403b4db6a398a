// Per-request context: who is calling (resolved once, lazily) and the services.
import type { Authenticator } from './domain/auth/authenticate.js';
import type { Viewer } from './domain/auth/permissions.js';
import { Errors } from './domain/errors.js';
import type { RequestBudget, UserService } from './domain/users/user-service.js';

export interface Services {
  users: UserService;
  authenticator: Authenticator;
}

export interface GraphQLContext {
  services: Services;
  /** The authenticated caller; rejects with the contract's 401 errors. Memoized per request. */
  viewer(): Promise<Viewer>;
  budget: RequestBudget;
}

export function createContext(
  services: Services,
  request: Request,
  /** Told the caller once it is known (the request log records the user id). */
  onAuthenticated: (viewer: Viewer) => void = () => {},
): GraphQLContext {
  let viewer: Promise<Viewer> | undefined;
  let credentialChecks = 0;
  return {
    services,
    viewer() {
      viewer ??= services.authenticator
        .authenticate(request.headers.get('authorization'), request.headers.get('x-zitadel-orgid'))
        .then((v) => {
          onAuthenticated(v);
          return v;
        });
      return viewer;
    },
    budget: {
      consumeCredentialCheck() {
        credentialChecks++;
        if (credentialChecks > 1) throw Errors.oneCredentialCheckPerRequest();
      },
    },
  };
}

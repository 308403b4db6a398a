// The Authorization header @zitadel/client's own transports add, as a connect-node interceptor.
import type { Interceptor } from '@connectrpc/connect';

export const bearer =
  (token: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set('authorization', `Bearer ${token}`);
    return next(req);
  };

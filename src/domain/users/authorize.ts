import { accessTo, type Viewer } from '../auth/permissions.js';
import { Errors } from '../errors.js';
import type { User } from './model.js';

/** Spec §5: the caller may change this user (itself, unless `needsWrite`; else user.write there). */
export function authorizeWrite(viewer: Viewer, user: User, needsWrite: boolean): void {
  if (!needsWrite && viewer.userId === user.id) return;
  const access = accessTo(viewer, user.orgId);
  if (!access.hasRole) throw Errors.membershipNotFound();
  if (!access.permissions.has('user.write')) throw Errors.permissionDenied();
}

/** GetUserByID's rule (self, or user.read on the user's organization), with its errors. */
export function authorizeRead(viewer: Viewer, user: User): void {
  if (user.id === viewer.userId) return;
  const access = accessTo(viewer, user.orgId);
  if (!access.hasRole) throw Errors.membershipNotFound();
  if (!access.permissions.has('user.read')) throw Errors.permissionDenied();
}

/** Machine users and deleted users are "not found" for every operation here. */
export function isLiveHuman(user: User | undefined): user is User {
  return user?.kind === 'human' && user.state !== 'deleted';
}

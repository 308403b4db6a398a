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

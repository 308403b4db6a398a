// Spec §4.1: username — unchanged is nothing; a verified domain of another organization is
// reserved; unique case-insensitively (per organization when it scopes usernames). Uniqueness is
// decided by the write itself (spec §2.8), so the later sections' checks come first.
import { Errors } from '../../errors.js';
import type { UserChange } from '../change-set.js';
import { usernameKey } from '../model.js';
import type { UserStore } from '../store.js';

export async function changeUsername(store: UserStore, change: UserChange, username: string | undefined) {
  const { user } = change;
  if (username === undefined || username === user.username) return;
  const at = username.lastIndexOf('@');
  if (at >= 0) {
    const owner = await store.verifiedDomainOwner(username.slice(at + 1));
    if (owner !== undefined && owner !== user.orgId) throw Errors.domainReserved();
  }
  const org = await store.findOrganization(user.orgId);
  const key = usernameKey(username, { id: user.orgId, scopedUsernames: org?.scopedUsernames ?? false });
  change.emit('username.changed', { username }, { username, usernameKey: key });
}

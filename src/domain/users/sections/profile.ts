// Spec §4.2: profile — only the fields that differ, in one `profile.changed` event. Absent fields
// stay as they are (UpdateUser makes every field optional; UpdateHumanUser requires the names).

import type { UserChange } from '../change-set.js';
import type { ProfilePatch } from '../commands.js';
import { normalizeLanguage } from '../contact.js';

export function changeProfile(change: UserChange, profile: ProfilePatch | undefined): void {
  if (!profile) return;
  const current = change.user.profile;
  const next = {
    givenName: profile.givenName,
    familyName: profile.familyName,
    nickName: profile.nickName,
    displayName: profile.displayName,
    preferredLanguage: normalizeLanguage(profile.preferredLanguage),
    gender: profile.gender,
  };
  const changed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(next)) {
    if (value !== undefined && value !== current[field as keyof typeof current]) changed[field] = value;
  }
  if (Object.keys(changed).length === 0) return;
  change.emit('profile.changed', changed, changed);
}

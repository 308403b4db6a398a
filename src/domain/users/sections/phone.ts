// Spec §4.4: phone — a new number is unverified until `isVerified` or a code; the code is
// returned (`returnCode`) or sent by SMS through the outbox. An unchanged (or empty) number only takes
// `isVerified`. An empty or absent number never removes the phone on UpdateHumanUser; on UpdateUser
// (`removeWhenEmpty`) it does when no verification is given, as upstream's UpdateUser.

import type { UserChange } from '../change-set.js';
import type { PhoneCommand } from '../commands.js';

/** Applies the phone section (`normalized`: the number in E.164, if one was sent). */
export function changePhone(
  change: UserChange,
  phone: PhoneCommand | undefined,
  normalized: string | undefined,
  options: { removeWhenEmpty?: boolean } = {},
): string | undefined {
  if (!phone) return undefined;
  const { user } = change;
  const verification = phone.verification;
  if (options.removeWhenEmpty && !phone.phone && verification === undefined) {
    // Nothing to remove is nothing to do; a pending phone code goes with the number.
    if (user.phone.phone !== '')
      change.emit('phone.removed', {}, { phone: '', phoneVerified: false }).clearCode('phone');
    return undefined;
  }
  if (normalized === undefined || normalized === user.phone.phone) {
    // Upstream marks it verified even when the user has no number at all.
    if (verification?.kind === 'isVerified' && !user.phone.isVerified) change.markPhoneVerified();
    return undefined;
  }
  change.emit('phone.changed', { phone: normalized }, { phone: normalized, phoneVerified: false });
  if (verification?.kind === 'isVerified') {
    change.markPhoneVerified();
    return undefined;
  }
  const returnCode = verification?.kind === 'returnCode';
  const code = change.addCode('phone', { returnCode });
  if (returnCode) return code;
  change.notify({
    kind: 'phone_verification',
    channel: 'sms',
    recipient: normalized,
    language: change.language,
    payload: { code },
  });
  return undefined;
}

// Spec §4.3: email — a new address is unverified until `isVerified` or a code; the code is
// returned (`returnCode`) or mailed through the outbox. An unchanged address only takes
// `isVerified: true`.

import type { UserChange } from '../change-set.js';
import type { EmailCommand } from '../commands.js';
import { linkPayload } from './notification.js';

/** Applies the email section; the code when the caller asked for it back. */
export function changeEmail(change: UserChange, email: EmailCommand | undefined): string | undefined {
  if (!email) return undefined;
  const { user } = change;
  const verification = email.verification;
  const markVerified = verification?.kind === 'isVerified' && verification.value;
  if (email.email === user.email.email) {
    if (markVerified && !user.email.isVerified) change.markEmailVerified();
    return undefined;
  }
  change.emit('email.changed', { email: email.email }, { email: email.email, emailVerified: false });
  if (markVerified) {
    change.markEmailVerified();
    return undefined;
  }
  const urlTemplate = verification?.kind === 'sendCode' ? (verification.urlTemplate ?? null) : null;
  const returnCode = verification?.kind === 'returnCode';
  const code = change.addCode('email', { urlTemplate, returnCode });
  if (returnCode) return code;
  change.notify({
    kind: 'email_verification',
    channel: 'email',
    recipient: email.email,
    language: change.language,
    payload: linkPayload(code, urlTemplate, user),
  });
  return undefined;
}

// What a code notification carries: the code and, with a URL template, the rendered link.
import type { User } from '../model.js';
import { renderUrlTemplate } from '../url-template.js';

export function linkPayload(code: string, urlTemplate: string | null, user: User): { code: string; url?: string } {
  if (urlTemplate === null) return { code };
  return { code, url: renderUrlTemplate(urlTemplate, { UserID: user.id, Code: code, OrgID: user.orgId }) };
}

// Error messages in the caller's language (issue 14.15), as upstream answers them: the
// authenticated caller's preferred language when known, else the request's Accept-Language,
// else English. Texts are data (en.json, de.json), keyed by upstream's message keys; the ids never
// change with the language. Errors upstream sends untranslated (auth header, permission, shape
// rules, the gateway's own GATEWAY-* ids) keep their English text.
import type { ErrorName } from '../domain/errors.js';
import de from './de.json' with { type: 'json' };
import en from './en.json' with { type: 'json' };

export type MessageKey = keyof typeof en;

/** Upstream's message key of each catalogue entry that upstream translates. */
export const MESSAGE_KEYS: Partial<Record<ErrorName, MessageKey>> = {
  urlTemplateSyntax: 'Errors.User.InvalidURLTemplate',
  urlTemplateField: 'Errors.User.InvalidURLTemplate',
  emailInvalid: 'Errors.User.Email.Invalid',
  emailDisplayName: 'Errors.User.Email.Invalid',
  phoneInvalid: 'Errors.User.Phone.Invalid',
  passwordEmpty: 'Errors.User.Password.Empty',
  hashCostOutOfBounds: 'Errors.User.Password.Invalid',
  hashMalformed: 'Errors.User.Password.Invalid',
  userNotFound: 'Errors.User.NotFound',
  userNotFoundQuery: 'Errors.User.NotFound',
  userAlreadyExists: 'Errors.User.AlreadyExists',
  domainReserved: 'Errors.User.DomainNotAllowedAsUsername',
  userNotInitialized: 'Errors.User.NotInitialised',
  codeNotFound: 'Errors.User.Code.NotFound',
  codeExpired: 'Errors.User.Code.Expired',
  codeInvalid: 'Errors.User.Code.Invalid',
  userLocked: 'Errors.User.Locked',
  passwordNotSet: 'Errors.User.Password.NotSet',
  passwordInvalid: 'Errors.User.Password.Invalid',
  passwordSameAsCurrent: 'Errors.User.Password.NotChanged',
  passwordTooShort: 'Errors.User.PasswordComplexityPolicy.MinLength',
  passwordNoLower: 'Errors.User.PasswordComplexityPolicy.HasLower',
  passwordNoUpper: 'Errors.User.PasswordComplexityPolicy.HasUpper',
  passwordNoNumber: 'Errors.User.PasswordComplexityPolicy.HasNumber',
  passwordNoSymbol: 'Errors.User.PasswordComplexityPolicy.HasSymbol',
};

/** The languages with texts, by primary subtag. English is the fallback. */
export const TEXTS: Readonly<Record<string, Readonly<Record<MessageKey, string>>>> = { en, de };

/**
 * The languages a request asks for, best first: the caller's preferred language (when known),
 * then `Accept-Language` by quality (RFC 9110 §12.5.4), as lower-case primary subtags.
 */
export function requestedLanguages(acceptLanguage: string | null, preferred?: string): string[] {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/i.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), q: q === undefined ? 1 : Number(q), index };
    })
    .filter((l) => l.tag !== '' && l.tag !== '*' && l.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index)
    .map((l) => l.tag);
  return [...(preferred ? [preferred] : []), ...ranked].map((tag) => tag.toLowerCase().split(/[-_]/)[0] as string);
}

/** The catalogue entry's message in the first requested language that has it; undefined = keep. */
export function translatedMessage(name: string, languages: readonly string[]): string | undefined {
  const key = MESSAGE_KEYS[name as ErrorName];
  if (!key) return undefined;
  const language = languages.find((l) => TEXTS[l]) ?? 'en';
  return TEXTS[language]?.[key];
}

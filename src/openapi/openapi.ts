// OpenAPI 3.1 description of the REST routes, served at GET /openapi.json. Its paths come from
// the REST route table (src/rest/routes.ts); the message schemas are written here. Tests validate
// it with a maintained OpenAPI validator and check every REST response the suite receives against
// these schemas, so the document cannot drift from what the adapter answers.
import type { Plugin } from 'graphql-yoga';
import { REST_ROUTES } from '../rest/routes.js';
import { GENDER_VALUES, rpcMessages } from '../wire/index.js';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const userIdParam = {
  name: 'userId',
  in: 'path',
  required: true,
  description: 'The user id (1–200 characters).',
  schema: { type: 'string', minLength: 1, maxLength: 200 },
};
const errors = {
  '400': json(ref('Error'), 'Invalid request (code 3 INVALID_ARGUMENT or 9 FAILED_PRECONDITION).'),
  '401': json(ref('Error'), 'Missing, malformed, unknown, revoked or expired bearer token (code 16).'),
  '403': json(ref('Error'), 'The caller lacks the permission (code 7, AUTH-AWfge).'),
  '404': json(ref('Error'), 'User not found, or no role reaching its organization (code 5).'),
  '405': json(ref('Error'), 'Another method on this path.'),
  '412': json(ref('Error'), 'If-Match named another sequence (GATEWAY-SEQ412).'),
  '429': json(
    ref('Error'),
    'Too many password or code checks (GATEWAY-RATE429), or too many failed authentications from this address (GATEWAY-AUTH429); code 8, see Retry-After.',
  ),
  '503': json(ref('Error'), 'The database is unavailable (code 14, GATEWAY-DB503); see Retry-After.'),
  default: json(ref('Error'), 'Any other error (409 ALREADY_EXISTS, 500 INTERNAL, …).'),
};
const bearer = [{ bearer: [] }];
/** A profile's members (UpdateHumanUser requires the names when a profile is sent; UpdateUser does not). */
const PROFILE_PROPERTIES = {
  givenName: { type: 'string', minLength: 1, maxLength: 200 },
  familyName: { type: 'string', minLength: 1, maxLength: 200 },
  nickName: { type: 'string', maxLength: 200 },
  displayName: { type: 'string', maxLength: 200 },
  preferredLanguage: { type: 'string', maxLength: 10 },
  gender: {
    oneOf: [
      { type: 'string', enum: GENDER_VALUES },
      { type: 'integer', minimum: 0, maximum: 3 },
    ],
  },
} as const;

/** The paths of the REST route table; the schemas are `<RPC>Request` and `<RPC>Response`. */
function restPaths() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of REST_ROUTES) {
    const name = rpcMessages(route.rpc).name;
    paths[route.path] ??= {};
    (paths[route.path] as Record<string, unknown>)[route.method.toLowerCase()] = {
      operationId: name,
      summary: route.summary,
      parameters: [userIdParam],
      ...(route.body
        ? { requestBody: { required: false, ...json(ref(`${name}Request`), route.bodyDescription ?? name) } }
        : {}),
      responses: { '200': json(ref(`${name}Response`), 'Success.'), ...errors },
    };
  }
  return paths;
}

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'user-gateway REST face',
    version: '1.0.0',
    description:
      "ZITADEL v2 compatible routes served by user-gateway. Bodies follow protojson: lowerCamelCase or the original snake_case names, unknown members ignored, enums by name or number, `{}` for empty messages such as `returnCode`. Errors use ZITADEL's body: `{code, message, details?}`.",
  },
  servers: [{ url: '/' }],
  security: bearer,
  paths: restPaths(),
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer', description: 'An access token from `cli token add`.' },
    },
    schemas: {
      Details: {
        type: 'object',
        required: ['sequence', 'changeDate', 'resourceOwner'],
        additionalProperties: false,
        properties: {
          sequence: {
            type: 'string',
            pattern: '^[0-9]+$',
            description: "The user's event sequence (uint64 as string).",
          },
          changeDate: { type: 'string', format: 'date-time', description: 'Time of the last event, RFC 3339 UTC.' },
          resourceOwner: { type: 'string', description: "The user's organization id." },
          creationDate: { type: 'string', format: 'date-time', description: 'Time of the first event, RFC 3339 UTC.' },
        },
      },
      Error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: {
          code: { type: 'integer', minimum: 1, maximum: 16, description: 'gRPC status code.' },
          message: { type: 'string', description: 'Message, with the error id in parentheses when there is one.' },
          details: {
            type: 'array',
            items: {
              type: 'object',
              required: ['@type', 'id', 'message'],
              properties: {
                '@type': {
                  type: 'string',
                  enum: [
                    'type.googleapis.com/zitadel.v1.ErrorDetail',
                    'type.googleapis.com/zitadel.v1.CredentialsCheckError',
                  ],
                },
                id: { type: 'string' },
                message: { type: 'string' },
                failedAttempts: { type: 'integer', minimum: 0 },
              },
            },
          },
        },
      },
      UpdateHumanUserRequest: {
        type: 'object',
        description: 'Every member optional; `userId` in the body is ignored (the path wins).',
        properties: {
          username: { type: 'string', minLength: 1, maxLength: 200 },
          profile: {
            type: 'object',
            properties: PROFILE_PROPERTIES,
          },
          email: {
            type: 'object',
            description: 'At most one of sendCode, returnCode, isVerified.',
            properties: {
              email: { type: 'string', minLength: 1, maxLength: 200 },
              sendCode: {
                type: 'object',
                properties: { urlTemplate: { type: 'string', minLength: 1, maxLength: 200 } },
              },
              returnCode: { type: 'object' },
              isVerified: { type: 'boolean' },
            },
          },
          phone: {
            type: 'object',
            description: 'At most one of sendCode, returnCode, isVerified (which must be true).',
            properties: {
              phone: { type: 'string', maxLength: 200 },
              sendCode: { type: 'object' },
              returnCode: { type: 'object' },
              isVerified: { type: 'boolean', const: true },
            },
          },
          password: {
            type: 'object',
            description:
              'At most one of password and hashedPassword; at most one of currentPassword and verificationCode.',
            properties: {
              password: {
                type: 'object',
                properties: {
                  password: { type: 'string', minLength: 1, maxLength: 200 },
                  changeRequired: { type: 'boolean' },
                },
              },
              hashedPassword: {
                type: 'object',
                properties: {
                  hash: { type: 'string', minLength: 1, maxLength: 200 },
                  changeRequired: { type: 'boolean' },
                },
              },
              currentPassword: { type: 'string', minLength: 1, maxLength: 200 },
              verificationCode: { type: 'string', minLength: 1, maxLength: 20 },
            },
          },
        },
      },
      UpdateHumanUserResponse: {
        type: 'object',
        required: ['details'],
        additionalProperties: false,
        properties: {
          details: ref('Details'),
          emailCode: { type: 'string', pattern: '^[A-Z0-9]{6}$' },
          phoneCode: { type: 'string', pattern: '^[A-Z0-9]{6}$' },
        },
      },
      PasswordResetRequest: {
        type: 'object',
        description: 'At most one of sendLink (the default) and returnCode.',
        properties: {
          sendLink: { type: 'object', properties: { urlTemplate: { type: 'string', minLength: 1, maxLength: 200 } } },
          returnCode: { type: 'object' },
        },
      },
      PasswordResetResponse: {
        type: 'object',
        required: ['details'],
        additionalProperties: false,
        properties: { details: ref('Details'), verificationCode: { type: 'string', pattern: '^[A-Z0-9]{6}$' } },
      },
      GetUserByIDResponse: {
        type: 'object',
        description: 'protojson: members with their default value (false, empty) are left out.',
        required: ['details', 'user'],
        additionalProperties: false,
        properties: {
          details: { ...ref('Details'), description: 'Deprecated upstream: the same as `user.details`.' },
          user: {
            type: 'object',
            required: ['userId', 'details', 'state', 'username', 'loginNames', 'preferredLoginName', 'human'],
            additionalProperties: false,
            properties: {
              userId: { type: 'string' },
              details: ref('Details'),
              state: {
                type: 'string',
                enum: ['USER_STATE_ACTIVE', 'USER_STATE_INACTIVE', 'USER_STATE_LOCKED', 'USER_STATE_INITIAL'],
              },
              username: { type: 'string' },
              loginNames: { type: 'array', items: { type: 'string' } },
              preferredLoginName: { type: 'string' },
              human: {
                type: 'object',
                required: ['profile', 'email', 'phone'],
                additionalProperties: false,
                properties: {
                  profile: {
                    type: 'object',
                    required: ['givenName', 'familyName'],
                    additionalProperties: false,
                    properties: {
                      givenName: { type: 'string' },
                      familyName: { type: 'string' },
                      nickName: { type: 'string' },
                      displayName: { type: 'string' },
                      preferredLanguage: { type: 'string' },
                      gender: { type: 'string', enum: GENDER_VALUES },
                    },
                  },
                  email: {
                    type: 'object',
                    additionalProperties: false,
                    properties: { email: { type: 'string' }, isVerified: { type: 'boolean', const: true } },
                  },
                  phone: {
                    type: 'object',
                    additionalProperties: false,
                    properties: { phone: { type: 'string' }, isVerified: { type: 'boolean', const: true } },
                  },
                  passwordChangeRequired: { type: 'boolean', const: true },
                  passwordChanged: {
                    type: 'string',
                    format: 'date-time',
                    description: 'Time of the last password change.',
                  },
                },
              },
            },
          },
        },
      },
      UpdateUserRequest: {
        type: 'object',
        description:
          'Every member optional; `userId` in the body is ignored (the path wins). At most one of human and machine; machine is refused (GATEWAY-MACHINE400).',
        properties: {
          username: { type: 'string', minLength: 1, maxLength: 200 },
          human: {
            type: 'object',
            properties: {
              profile: {
                type: 'object',
                description: 'Every field optional; only the fields given change.',
                properties: PROFILE_PROPERTIES,
              },
              email: ref('UpdateHumanUserRequest/properties/email'),
              phone: {
                ...ref('UpdateHumanUserRequest/properties/phone'),
                description: 'An empty or absent phone without sendCode, returnCode or isVerified removes the number.',
              },
              password: ref('UpdateHumanUserRequest/properties/password'),
            },
          },
          machine: {
            type: 'object',
            properties: {
              name: { type: 'string', minLength: 1, maxLength: 200 },
              description: { type: 'string', maxLength: 500 },
            },
          },
        },
      },
      UpdateUserResponse: {
        type: 'object',
        required: ['changeDate'],
        additionalProperties: false,
        properties: {
          changeDate: { type: 'string', format: 'date-time', description: 'Time of the last change, RFC 3339 UTC.' },
          emailCode: { type: 'string', pattern: '^[A-Z0-9]{6}$' },
          phoneCode: { type: 'string', pattern: '^[A-Z0-9]{6}$' },
        },
      },
      // Issue 15: the code flows.
      VerifyEmailRequest: {
        type: 'object',
        required: ['verificationCode'],
        properties: { verificationCode: { type: 'string', minLength: 1, maxLength: 20 } },
      },
      VerifyEmailResponse: {
        type: 'object',
        required: ['details'],
        additionalProperties: false,
        properties: { details: ref('Details') },
      },
      ResendEmailCodeRequest: {
        type: 'object',
        description: 'At most one of sendCode (the default) and returnCode.',
        properties: {
          sendCode: { type: 'object', properties: { urlTemplate: { type: 'string', minLength: 1, maxLength: 200 } } },
          returnCode: { type: 'object' },
        },
      },
      ResendEmailCodeResponse: {
        type: 'object',
        required: ['details'],
        additionalProperties: false,
        properties: { details: ref('Details'), verificationCode: { type: 'string', pattern: '^[A-Z0-9]{6}$' } },
      },
      VerifyPhoneRequest: {
        type: 'object',
        required: ['verificationCode'],
        properties: { verificationCode: { type: 'string', minLength: 1, maxLength: 20 } },
      },
      VerifyPhoneResponse: {
        type: 'object',
        required: ['details'],
        additionalProperties: false,
        properties: { details: ref('Details') },
      },
      ResendPhoneCodeRequest: {
        type: 'object',
        description: 'At most one of sendCode (the default) and returnCode.',
        properties: { sendCode: { type: 'object' }, returnCode: { type: 'object' } },
      },
      ResendPhoneCodeResponse: {
        type: 'object',
        required: ['details'],
        additionalProperties: false,
        properties: { details: ref('Details'), verificationCode: { type: 'string', pattern: '^[A-Z0-9]{6}$' } },
      },
    },
  },
} as const;

/** Serves the document at GET /openapi.json (no authentication: it describes, it reveals nothing). */
export function useOpenApi(): Plugin {
  const body = JSON.stringify(openApiDocument);
  return {
    onRequest({ request, url, endResponse }) {
      if (url.pathname === '/openapi.json' && request.method === 'GET') {
        endResponse(new Response(body, { headers: { 'content-type': 'application/json' } }));
      }
    },
  };
}

// The GraphQL operations that the non-GraphQL faces (REST, gRPC/Connect) translate onto. Wire-
// neutral: both faces execute these same documents through yoga (src/wire/execute.ts), so their
// answers cannot drift.
import { type DocumentNode, type GraphQLSchema, parse, validate } from 'graphql';

const DETAILS = 'details { sequence changeDate resourceOwner }';
const USER_DETAILS = 'details { sequence changeDate resourceOwner creationDate }';

export const WIRE_OPERATIONS = {
  // Run instead of the real operation when a request cannot be translated, so that
  // authentication still comes first (spec §2: 401 before 400).
  authenticate: 'query Authenticate { __typename }',
  updateHumanUser: `mutation UpdateHumanUser($input: UpdateHumanUserInput!) {
    updateHumanUser(input: $input) { ${DETAILS} emailCode phoneCode } }`,
  passwordReset: `mutation PasswordReset($input: PasswordResetInput!) {
    passwordReset(input: $input) { ${DETAILS} verificationCode } }`,
  getUserById: `query GetUserByID($userId: ID!) {
    userById(userId: $userId) {
      userId state username resourceOwner ${USER_DETAILS}
      profile { givenName familyName nickName displayName preferredLanguage gender }
      email { email isVerified } phone { phone isVerified } passwordChangeRequired passwordChanged } }`,
  updateUser: `mutation UpdateUser($input: UpdateUserInput!) {
    updateUser(input: $input) { changeDate emailCode phoneCode } }`,
  // Issue 15: the code flows.
  verifyEmail: `mutation VerifyEmail($input: VerifyEmailInput!) { verifyEmail(input: $input) { ${DETAILS} } }`,
  resendEmailCode: `mutation ResendEmailCode($input: ResendEmailCodeInput!) {
    resendEmailCode(input: $input) { ${DETAILS} verificationCode } }`,
  verifyPhone: `mutation VerifyPhone($input: VerifyPhoneInput!) { verifyPhone(input: $input) { ${DETAILS} } }`,
  resendPhoneCode: `mutation ResendPhoneCode($input: ResendPhoneCodeInput!) {
    resendPhoneCode(input: $input) { ${DETAILS} verificationCode } }`,
} as const;

export type WireOperation = keyof typeof WIRE_OPERATIONS;

/** Parses and validates each operation once against the served schema; throws naming the face. */
export function prepareWireOperations(schema: GraphQLSchema, face: string): Map<WireOperation, DocumentNode> {
  const documents = new Map<WireOperation, DocumentNode>();
  for (const [operation, source] of Object.entries(WIRE_OPERATIONS) as [WireOperation, string][]) {
    const document = parse(source);
    const errors = validate(schema, document);
    if (errors.length > 0)
      throw new Error(`${face} operation ${operation} does not match the schema: ${errors[0]?.message}`);
    documents.set(operation, document);
  }
  return documents;
}

// A GraphQL error → what every non-GraphQL face answers, mapped once: the gRPC code, ZITADEL's
// message "<message> (<id>)", the detail messages, the HTTP status and extra headers. Everything
// comes from the error's extensions (set once by src/schema/errors.ts from the catalogue), so no
// face knows an id.
import type { DescMessage, MessageInitShape } from '@bufbuild/protobuf';
import type { GraphQLError } from 'graphql';
import { CredentialsCheckErrorSchema, ErrorDetailSchema } from '../grpc/gen/zitadel/message_pb.js';
import { GRPC_CODES, type GrpcCode, grpcCodeOf, httpStatusOf } from '../grpc-status.js';

/** One detail message of an error status. */
export interface ErrorDetailMessage<Desc extends DescMessage = DescMessage> {
  desc: Desc;
  value: MessageInitShape<Desc>;
}

export interface WireError {
  code: GrpcCode;
  /** The status message: "<message> (<id>)" when there is an id (ZITADEL's), else the bare message. */
  message: string;
  details: ErrorDetailMessage[];
  httpStatus: number;
  headers: Record<string, string>;
}

/**
 * ZITADEL's error: with an id, ErrorDetail {id, message} — or, for a credential check, only the
 * CredentialsCheckError {id, message, failedAttempts}, as upstream sends.
 */
export function wireError(
  code: GrpcCode,
  message: string,
  extra: { id?: string; failedAttempts?: number; httpStatus?: number; headers?: Record<string, string> } = {},
): WireError {
  const { id, failedAttempts } = extra;
  const details: ErrorDetailMessage[] = !id
    ? []
    : failedAttempts !== undefined
      ? [{ desc: CredentialsCheckErrorSchema, value: { id, message, failedAttempts } }]
      : [{ desc: ErrorDetailSchema, value: { id, message } }];
  return {
    code,
    message: id ? `${message} (${id})` : message,
    details,
    httpStatus: extra.httpStatus ?? httpStatusOf(code),
    headers: extra.headers ?? {},
  };
}

/** A GraphQL error → the wire. Errors without a code are GraphQL's own request errors (400). */
export function fromGraphQLError(error: GraphQLError): WireError {
  const ext = error.extensions ?? {};
  const code = typeof ext.code === 'string' ? grpcCodeOf(ext.code) : undefined;
  if (code === undefined) return wireError(GRPC_CODES.INVALID_ARGUMENT, error.message);
  return wireError(code, error.message, {
    ...(typeof ext.id === 'string' ? { id: ext.id } : {}),
    ...(typeof ext.failedAttempts === 'number' ? { failedAttempts: ext.failedAttempts } : {}),
    ...(ext.http?.status !== undefined ? { httpStatus: ext.http.status } : {}),
    ...(ext.http?.headers ? { headers: ext.http.headers as Record<string, string> } : {}),
  });
}

// The one table from gRPC status codes to names and HTTP statuses (spec §6, §7). Wire-neutral:
// the GraphQL face and the REST adapter both read it; nothing here knows about the domain.
export const GRPC_CODES = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

export type GrpcCodeName = keyof typeof GRPC_CODES;
export type GrpcCode = (typeof GRPC_CODES)[GrpcCodeName];

const HTTP_STATUS: Record<GrpcCode, number> = {
  0: 200,
  1: 499,
  2: 500,
  3: 400,
  4: 504,
  5: 404,
  6: 409,
  7: 403,
  8: 429,
  9: 400,
  10: 409,
  11: 400,
  12: 501,
  13: 500,
  14: 503,
  15: 500,
  16: 401,
};

const NAMES = Object.fromEntries(Object.entries(GRPC_CODES).map(([name, code]) => [code, name])) as Record<
  GrpcCode,
  GrpcCodeName
>;

export function httpStatusOf(code: GrpcCode): number {
  return HTTP_STATUS[code];
}

export function grpcCodeName(code: GrpcCode): GrpcCodeName {
  return NAMES[code];
}

export function grpcCodeOf(name: string): GrpcCode | undefined {
  return (GRPC_CODES as Record<string, GrpcCode>)[name];
}

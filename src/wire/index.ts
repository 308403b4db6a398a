// The wire layer shared by the REST and gRPC/Connect faces: the RPC table, the executor and the
// one error mapping. The faces import only this module.
export { GRPC_CODES, type GrpcCode } from '../grpc-status.js';
export { type ErrorDetailMessage, type WireError, wireError } from './errors.js';
export { type AnyYoga, createWire, type Wire, type WireCall, type WireResult } from './execute.js';
export { RPCS, type RpcName, type RpcResponse, rpcMessages } from './rpcs.js';
export { GENDER_VALUES, parseJsonBody, TranslationError } from './translate.js';

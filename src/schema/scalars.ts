import { GraphQLError, valueFromASTUntyped } from 'graphql';
import { builder } from './builder.js';

builder.scalarType('DateTime', {
  description: 'A point in time, RFC 3339 in UTC with millisecond precision, e.g. `2026-11-23T10:00:00.123Z`.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : new Date(value).toISOString()),
  parseValue: (value) => {
    const date = typeof value === 'string' ? new Date(value) : undefined;
    if (!date || Number.isNaN(date.getTime())) throw new GraphQLError('DateTime must be an RFC 3339 string');
    return date;
  },
});

builder.scalarType('JSON', {
  description: 'Any JSON value (an object here: an event payload), passed through as it is.',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast) => valueFromASTUntyped(ast),
});

// The Pothos builder: configuration only. Types live in one file per family.
import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import ValidationPlugin from '@pothos/plugin-validation';
import type { GraphQLContext } from '../context.js';
import { shapeValidationError } from './validation.js';

export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  DefaultInputFieldRequiredness: false;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    ID: { Input: string; Output: string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  plugins: [ValidationPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  validation: {
    validationError: (failure) => shapeValidationError(failure.issues),
  },
});

builder.queryType({ description: 'Reads.' });
builder.mutationType({ description: 'Writes.' });
builder.subscriptionType({ description: 'Live streams.' });

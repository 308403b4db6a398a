// The schema: imports only, then build.
import { lexicographicSortSchema } from 'graphql';
import { builder } from './builder.js';
import './scalars.js';
import './user.js';
import './update-user.js';
import './contact-codes.js';
import './events.js';

export const schema = lexicographicSortSchema(builder.toSchema());

// Setup file of the `postgres` vitest project: drops the test schemas a file's harnesses leave idle.
import { afterAll } from 'vitest';
import { dropIdleSchemas } from './engine.js';

afterAll(dropIdleSchemas);

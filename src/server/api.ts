// The /v1 API. Routes are added by the API issue; until then this registers nothing.
import type { FastifyInstance } from 'fastify';
import type { Runtime } from './runtime.js';

export async function registerApi(_app: FastifyInstance, _runtime: Runtime): Promise<void> {}

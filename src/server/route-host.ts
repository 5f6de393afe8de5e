// The core's guards, lent to the routes a feature adds (Feature.registerRoutes), so a module's routes authenticate,
// confine to the organization, authorize and report refusals exactly as the core's own routes do.
import type { RouteHost } from '../features/feature.js';
import { principalOf, type Guards } from './auth.js';
import type { Runtime } from './runtime.js';

export function routeHost(runtime: Runtime, guards: Guards): RouteHost {
  return {
    require: (access) => guards.require(access),
    principalOf,
    domain: (request) => runtime.domain(request),
    permissions: runtime.permissions,
    config: runtime.config,
  };
}

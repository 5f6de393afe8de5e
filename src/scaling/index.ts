// Scaling: read replicas, region-aware routing, read-your-writes by WAL position, pool metrics (docs/architecture.md).
// Compiled into builds with `scaling: true`. Not implemented yet: it says so everywhere a build reports itself, and
// the server runs on the primary alone.
import type { Feature, FeatureFactory } from '../features/feature.js';

export const createScaling: FeatureFactory = (): Feature => ({
  name: 'scaling',
  status: 'not-implemented',
  summary: 'compiled in, not implemented yet: every query goes to the primary in DATABASE_URL; DATABASE_REPLICAS is ignored',
});

// Enterprise: custom roles and inheritance (RBAC), tamper-evident audit (docs/architecture.md). Compiled into builds
// with `enterprise: true`. Not implemented yet: it says so everywhere a build reports itself, and the core's built-in
// role table decides.
import type { Feature, FeatureFactory } from '../features/feature.js';

export const createEnterprise: FeatureFactory = (): Feature => ({
  name: 'enterprise',
  status: 'not-implemented',
  summary: 'compiled in, not implemented yet: the built-in roles (owner, admin, member, viewer) decide; no audit log is written',
});

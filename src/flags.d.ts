// Compile-time flags. build.mjs replaces each with a literal through esbuild `define`, so a branch guarded by one
// of them disappears from a bundle that switches it off. Use them directly in a condition (see docs/architecture.md).
declare const __FLAG_SCALING__: boolean;
declare const __FLAG_ENTERPRISE__: boolean;
declare const __DIALECT_SQLITE__: boolean;
declare const __DIALECT_POSTGRES__: boolean;
declare const __VARIANT__: string;
declare const __VERSION__: string;

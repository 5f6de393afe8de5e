// Migration SQL files are imported as text with the SHA-256 of that text (build/sql-module.mjs, for build.mjs and
// vitest.config.ts).
declare module '*.sql' {
  const text: string;
  export default text;
  export const sha256: string;
}

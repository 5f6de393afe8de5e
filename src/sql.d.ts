// Migration SQL files are imported as text: esbuild's `text` loader in build.mjs, a small plugin in vitest.config.ts.
declare module '*.sql' {
  const text: string;
  export default text;
}

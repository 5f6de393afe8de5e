// prom-client's own files, imported one by one (src/server/prometheus.ts) and typed there from its main module's
// declarations.
declare module 'prom-client/lib/*' {
  const part: unknown;
  export default part;
}

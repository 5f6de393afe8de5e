// Facts the modules add to the operator's /healthz (`featureHealth.<name>`): a router's nodes, an RBAC cache's
// freshness, a test clock's offset. Read at each request, in the order the
// modules added them; the filter that keeps them from anyone but the operator is health-routes.ts's.
export type HealthReport = () => Promise<Record<string, unknown>>;

/** Two modules (or one, twice) report under one name: the second would hide the first from the operator. */
export class HealthReportNameTakenError extends Error {
  override name = 'HealthReportNameTakenError';
  constructor(name: string) {
    super(`health facts named '${name}' are added twice; give each module's facts their own name (its module name)`);
  }
}

export class HealthReports {
  readonly #reports = new Map<string, HealthReport>();

  /** Adds `report` under `name`; one name reports once. */
  add(name: string, report: HealthReport): void {
    if (this.#reports.has(name)) throw new HealthReportNameTakenError(name);
    this.#reports.set(name, report);
  }

  /** Every report, read now; undefined when no module reports anything. */
  async collect(): Promise<Record<string, unknown> | undefined> {
    if (this.#reports.size === 0) return undefined;
    const facts: Record<string, unknown> = {};
    for (const [name, report] of this.#reports) facts[name] = await report();
    return facts;
  }
}

// DATABASE_REPLICAS: `region=postgres://...,region=postgres://...`. Parsed here, by the module that uses it, with
// every problem reported at once.

export interface ReplicaSpec {
  readonly region: string;
  readonly url: string;
}

const REGION = /^[a-z0-9][a-z0-9_.-]{0,62}$/i;

function redact(url: string): string {
  return url.replace(/:\/\/([^:/@]+):[^@/]*@/, '://$1:***@');
}

/** Splits on commas that start a new entry (`region=scheme://` or `scheme://`), so a URL's query may hold commas. */
function entries(raw: string): string[] {
  return raw
    .split(/,(?=\s*(?:[^,=:/\s]+\s*=\s*)?[a-z][a-z0-9+.-]*:\/\/)/i)
    .map((e) => e.trim())
    .filter((e) => e !== '');
}

export function parseReplicaList(raw: string, where: string): { value: ReplicaSpec[] } | { problems: string[] } {
  const problems: string[] = [];
  const value: ReplicaSpec[] = [];
  const seen = new Set<string>();
  for (const entry of entries(raw)) {
    const m = /^([^=:/]*)=(.*)$/s.exec(entry);
    const region = m ? m[1]!.trim() : '';
    const url = m ? m[2]!.trim() : entry;
    const shown = redact(entry);
    if (!REGION.test(region)) {
      problems.push(
        `${where.replace(/=.*$/s, '')}: entry "${shown}" needs a region first, as region=postgres://user:password@host:5432/db (a region is letters, digits, _ . -)`,
      );
      continue;
    }
    let parsed: URL | undefined;
    try {
      parsed = new URL(url);
    } catch {
      parsed = undefined;
    }
    if (!parsed || !/^postgres(ql)?:$/.test(parsed.protocol) || !parsed.hostname) {
      problems.push(
        `${where.replace(/=.*$/s, '')}: the URL of region "${region}" (${redact(url)}) is not a PostgreSQL URL; use postgres://user:password@host:5432/database`,
      );
      continue;
    }
    const key = `${parsed.hostname}:${parsed.port || '5432'}${parsed.pathname}`;
    if (seen.has(key)) {
      problems.push(`${where.replace(/=.*$/s, '')}: ${redact(url)} is listed twice; list each replica once`);
      continue;
    }
    seen.add(key);
    value.push(Object.freeze({ region, url }));
  }
  return problems.length > 0 ? { problems } : { value };
}

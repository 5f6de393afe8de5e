// The README's error and limit tables, made from the code that decides them: the error catalogue (src/errors.ts) and
// the limits the schemas enforce. test/unit/docs.test.ts keeps README.md equal to these.
import { OPTIONS } from '../../src/config/options.js';
import { EARLIEST_INSTANT, LATEST_INSTANT } from '../../src/domain/instants.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../src/domain/schemas/page.js';
import { LIMITS } from '../../src/domain/schemas/common.js';
import { ERROR_CATALOGUE, type AppError } from '../../src/errors.js';

/** What each entry of LIMITS bounds, in characters unless said; a new limit without a line here does not compile. */
const LIMIT_NAMES: Record<keyof typeof LIMITS, string> = {
  name: 'names of organizations, members and projects',
  email: 'member email',
  title: 'task title',
  description: 'task description',
  comment: 'comment body',
  labels: 'labels per task (a set: no repeats)',
  label: 'one label',
  tokenName: 'token name',
  search: 'title search `q`',
};

const UNITS: Partial<Record<keyof typeof LIMITS, string>> = { labels: '' };

export function errorTable(): string {
  const rows = ERROR_CATALOGUE.map(({ type, when, status }) => {
    // A sample of the class, for its code and status: the catalogue states them once, on the class.
    const sample = Reflect.construct(type, ['']) as AppError;
    return `| ${status ?? sample.status} | \`${sample.code}\` | ${when} |`;
  });
  return ['| Status | Code | When |', '| --- | --- | --- |', ...rows].join('\n');
}

const year = (ms: number) => new Date(ms).toISOString().slice(0, 4);

export function limitTable(): string {
  const body = OPTIONS.find((o) => o.env === 'BODY_LIMIT_BYTES');
  if (!body?.default) throw new Error('src/config/options.ts lost BODY_LIMIT_BYTES or its default');
  const rows = [
    ...Object.entries(LIMITS).map(([key, max]) => {
      const unit = UNITS[key as keyof typeof LIMITS] ?? ' characters';
      return `| ${LIMIT_NAMES[key as keyof typeof LIMITS]} | at most ${max.toLocaleString('en-US')}${unit} |`;
    }),
    `| page size \`limit\` | at most ${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE}) |`,
    `| request body | \`BODY_LIMIT_BYTES\` (default ${Number(body.default).toLocaleString('en-US')} bytes) |`,
    `| instants (\`dueAt\`, \`expiresAt\`) | ISO 8601, years ${year(EARLIEST_INSTANT)} to ${year(LATEST_INSTANT)} UTC |`,
    '| any text | no NUL (U+0000) and no unpaired surrogate characters |',
  ];
  return ['| What | Limit |', '| --- | --- |', ...rows].join('\n');
}

// Where the test PostgreSQL comes from, for every combination of switches and of what a machine has: the choice is a
// pure function (test/support/postgres/source-choice.ts), so machines without a container engine test it too.
import { describe, expect, it } from 'vitest';
import { chooseSource, type Found } from '../support/postgres/source-choice.js';

const URL = { TEST_DATABASE_URL: 'postgres://someone@db:5432/x' };
const none: Found = { binaries: undefined, containerEngine: false };
const system: Found = { binaries: 'system', containerEngine: false };
const embedded: Found = { binaries: 'embedded', containerEngine: false };
const engineOnly: Found = { binaries: undefined, containerEngine: true };
const everything: Found = { binaries: 'system', containerEngine: true };

describe('choosing the PostgreSQL for the tests', () => {
  it.each([
    ['nothing set, system binaries', {}, system, { source: 'binaries', kind: 'system' }],
    ['nothing set, only the embedded package', {}, embedded, { source: 'binaries', kind: 'embedded' }],
    ['nothing set, binaries and an engine: binaries, which the fault tests can stop and start', {}, everything, { source: 'binaries', kind: 'system' }],
    ['nothing set, no binaries, an engine: containers', {}, engineOnly, { source: 'containers' }],
    ['TEST_DATABASE_URL wins over what the machine has', URL, everything, { source: 'url' }],
    ['TEST_DATABASE_URL on a bare machine', URL, none, { source: 'url' }],
    ['PG_HARNESS_SOURCE=containers, with binaries there too', { PG_HARNESS_SOURCE: 'containers' }, everything, { source: 'containers' }],
    ['PG_HARNESS_SOURCE=containers passes over TEST_DATABASE_URL', { ...URL, PG_HARNESS_SOURCE: 'containers' }, everything, { source: 'containers' }],
    ['PG_HARNESS_SOURCE=embedded', { PG_HARNESS_SOURCE: 'embedded' }, { ...embedded, containerEngine: true }, { source: 'binaries', kind: 'embedded' }],
    ['PG_HARNESS_BIN_SOURCE=system (the older name)', { ...URL, PG_HARNESS_BIN_SOURCE: 'system' }, everything, { source: 'binaries', kind: 'system' }],
    ['both names, agreeing', { PG_HARNESS_SOURCE: 'embedded', PG_HARNESS_BIN_SOURCE: 'embedded' }, embedded, { source: 'binaries', kind: 'embedded' }],
    ['empty values count as unset', { PG_HARNESS_SOURCE: '', PG_HARNESS_BIN_SOURCE: '', TEST_DATABASE_URL: '' }, engineOnly, { source: 'containers' }],
  ] as const)('%s', (_what, env, found, expected) => {
    expect(chooseSource(env, found)).toEqual(expected);
  });

  it.each([
    [
      'a bare machine names every way to get a PostgreSQL',
      {},
      none,
      /no server binaries were found and no container engine answers; install PostgreSQL .*testcontainers.*TEST_DATABASE_URL.*DIALECTS=sqlite/,
    ],
    [
      'containers pinned without an engine',
      { PG_HARNESS_SOURCE: 'containers' },
      system,
      /PG_HARNESS_SOURCE=containers, but no container engine answers .*start Docker/,
    ],
    [
      'system binaries pinned where only the embedded package is',
      { PG_HARNESS_SOURCE: 'system' },
      { binaries: undefined, containerEngine: true },
      /PG_HARNESS_SOURCE=system, but no system PostgreSQL binaries were found/,
    ],
    ['an unknown source', { PG_HARNESS_SOURCE: 'docker' }, everything, /PG_HARNESS_SOURCE=docker is not understood; use system, embedded, containers/],
    [
      'containers under the older name',
      { PG_HARNESS_BIN_SOURCE: 'containers' },
      everything,
      /PG_HARNESS_BIN_SOURCE=containers is not understood.*PG_HARNESS_SOURCE also takes "containers"/,
    ],
    ['the two names disagreeing', { PG_HARNESS_SOURCE: 'system', PG_HARNESS_BIN_SOURCE: 'embedded' }, everything, /disagree; set only PG_HARNESS_SOURCE/],
  ] as const)('refuses %s', (_what, env, found, message) => {
    expect(() => chooseSource(env, found)).toThrow(message);
  });
});

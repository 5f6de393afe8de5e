// The server's log destination gathers lines for a few milliseconds and writes them together, on a timer that holds no
// process up: a flush must therefore write at once, or a process awaiting it as its last step would exit first.
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LogDestination } from '../../src/server/log-destination.js';

describe('LogDestination', () => {
  const opened: number[] = [];
  afterEach(() => {
    for (const fd of opened.splice(0)) closeSync(fd);
  });

  function destination(): { log: LogDestination; text: () => string } {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'flagship-log-')), 'out.log');
    const fd = openSync(file, 'w');
    opened.push(fd);
    return { log: new LogDestination(fd, false), text: () => readFileSync(file, 'utf8') };
  }

  it('writes the lines gathered together, in order, without being asked', async () => {
    const { log, text } = destination();
    log.write('{"n":1}\n');
    log.write('{"n":2}\n');
    await expect.poll(text, { timeout: 5_000 }).toBe('{"n":1}\n{"n":2}\n');
  });

  it('writes what is pending when flushed, before the flush returns', () => {
    const { log, text } = destination();
    log.write('{"n":1}\n');
    let flushed = false;
    log.flush(() => (flushed = true));
    expect(flushed).toBe(true);
    expect(text()).toBe('{"n":1}\n');
    // Lines after the flush still go out.
    log.write('{"n":2}\n');
    log.flush();
    expect(text()).toBe('{"n":1}\n{"n":2}\n');
  });
});

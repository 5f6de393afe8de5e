// --ready-file: once the server takes traffic, the facts a harness needs (the bound URL above all, which --port 0
// makes unknowable in advance) as one JSON object in a file, so nothing has to parse log lines. Written to a
// temporary name and renamed, so a reader polling for the file never sees half of it.
import { rename, rm, writeFile } from 'node:fs/promises';
import { ConfigError } from '../errors.js';

export async function writeReadyFile(file: string, facts: Record<string, unknown>): Promise<void> {
  const partial = `${file}.${process.pid}.partial`;
  try {
    await writeFile(partial, JSON.stringify(facts) + '\n');
    await rename(partial, file);
  } catch (err) {
    throw new ConfigError(`--ready-file ${file} cannot be written (${(err as Error).message}); give a path in an existing, writable folder`);
  }
}

/** At shutdown: a harness that reuses the path must not mistake the last run's file for this one. */
export async function removeReadyFile(file: string): Promise<void> {
  await rm(file, { force: true });
}

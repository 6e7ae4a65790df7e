import { Option } from 'commander';

/**
 * One output convention across commands: `-o, --output <file>` for a file, `--out-dir <dir>` for a folder. Spellings
 * older releases used (`--out`, a positional OUT) stay accepted but hidden from the help.
 */

/** `-o, --output <file>`. */
export function outputFileOption(description: string): Option {
  return new Option('-o, --output <file>', description);
}

/** `--out-dir <dir>`. */
export function outDirOption(description: string): Option {
  return new Option('--out-dir <dir>', description);
}

/** An older spelling of an output flag, accepted and hidden from the help. */
export function hiddenOutAlias(flags = '--out <path>'): Option {
  return new Option(flags).hideHelp();
}

/** The output path from the canonical flag or an older spelling; throws naming the flag when it is missing or the two disagree. */
export function chosenOutput(flag: string, canonical: string | undefined, ...older: (string | undefined)[]): string {
  const given = [canonical, ...older].filter((v): v is string => v !== undefined);
  if (given.length === 0) throw new Error(`${flag} is required`);
  if (new Set(given).size > 1) throw new Error(`${flag} given twice with different paths (${given.join(', ')}); give it once`);
  return given[0];
}

/** Like {@link chosenOutput}, but undefined when no spelling was given (for outputs with a default). */
export function optionalOutput(flag: string, canonical: string | undefined, ...older: (string | undefined)[]): string | undefined {
  return canonical === undefined && older.every((v) => v === undefined) ? undefined : chosenOutput(flag, canonical, ...older);
}

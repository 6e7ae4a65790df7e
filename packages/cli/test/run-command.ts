import { Command } from 'commander';
import { vi } from 'vitest';

/** Runs one registered subcommand in-process and captures its stdout and exit code. */
export async function runCommand(register: (program: Command) => void, ...args: string[]): Promise<{ out: string; exitCode: number }> {
  const program = new Command('loraflow').exitOverride();
  register(program);
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    spy.mockRestore();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, exitCode };
}

/**
 * The directory the user ran the command in. `pnpm loraflow ...` runs the root package's script from the repository
 * root and says where the user was in INIT_CWD; only that script (npm_lifecycle_event "loraflow") is redirected, so an
 * installed `loraflow` binary never looks at a stale INIT_CWD left by some outer script.
 */
export function userCwd(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string {
  return env.npm_lifecycle_event === 'loraflow' && env.INIT_CWD ? env.INIT_CWD : cwd;
}

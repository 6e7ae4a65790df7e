/**
 * Word indices of the pool's control block: i32s at the start of the shared wasm memory,
 * read and written with Atomics by the calling thread and every worker.
 */
export const Ctrl = {
  /** Bumped once per dispatched job; idle workers wait on it. */
  gen: 0,
  /** Low bits: workers inside the current job; CLOSED_FLAG once the caller has seen it finish. */
  state: 1,
  /** Non-zero tells workers to leave their loop. */
  shutdown: 2,
  /** Byte address of the current job descriptor. */
  job: 3,
  phases: 4,
  /** Set by a thread whose phase function threw (a trap): every barrier is released and the job fails. */
  failed: 5,
  /** Per phase p: words phase0 + 3p (index into the phase function list), +1 (word index of its done counter), +2 (item total). */
  phase0: 8,
} as const;

/** Most phases one job may have. */
export const MAX_PHASES = 4;

/** Set in Ctrl.state when a job is complete: workers that wake up later must not join it. */
export const CLOSED_FLAG = 1 << 30;

/** Bytes reserved for the control block and job descriptors at the start of memory. */
export const CONTROL_BYTES = 4096;

/** Byte address of the (single) job descriptor. */
export const JOB_ADDRESS = 1024;

/**
 * Added to every phase's done counter when a thread fails, so threads waiting at a barrier see
 * it change (a bare notify could be missed) and pass it.
 */
export const FAILED_BUMP = 1 << 29;

/** Atomics.load polls before a waiting thread falls back to Atomics.wait (a few tens of microseconds). */
export const SPIN_POLLS = 4000;

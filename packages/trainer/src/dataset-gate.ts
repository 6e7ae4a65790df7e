import { checkDataset, type DatasetIssueKind } from '@loraflow/datasets';
import { TrainerError } from './trainer-error.js';
import type { TrainingConfig } from './training-config.js';

/**
 * What `dataset check` calls an error and training refuses: each would train on garbage without a
 * word (a 1x1 image upscaled to every bucket, a binary file read as a caption). Caption presence and
 * trigger words are left to the trainer's own caption handling.
 */
const REFUSED: ReadonlySet<DatasetIssueKind> = new Set(['unreadable', 'tiny', 'garbled-caption']);

/** Runs `dataset check` on the training folder at the config's resolutions and throws on the errors training refuses. */
export async function refuseDatasetErrors(c: Pick<TrainingConfig, 'dataset' | 'resolution' | 'bucket_step'>): Promise<void> {
  const report = await checkDataset(c.dataset, { resolutions: c.resolution, step: c.bucket_step });
  const errors = report.issues.filter((i) => i.severity === 'error' && REFUSED.has(i.kind));
  if (errors.length === 0) return;
  const first = errors.slice(0, 3).map((e) => `${e.path}: ${e.message}`).join('; ');
  throw new TrainerError(`${c.dataset}: ${errors.length} image(s) fail dataset check (${first}${errors.length > 3 ? '; ...' : ''}); fix them or run "loraflow dataset check ${c.dataset}"`);
}

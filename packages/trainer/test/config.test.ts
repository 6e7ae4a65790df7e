import { describe, expect, it } from 'vitest';
import { parseTrainingConfig, TRAINING_DEFAULTS, TrainerError } from '../src/index.js';

const REPORT_RECIPE = `
linear_rank: 64
conv_rank: 16
batch_size: 2
steps: 6400
gradient_accumulation: 1
resolution:
- 1024
- 1280
scheduler: "flowmatch"
loss: "mse"
dtype: bf16
ema_deacy: 0.99
learning_rate: 5e-5
`;

describe('training config', () => {
  it('reads the style report recipe verbatim, including its "ema_deacy" spelling and 5e-5 as text', () => {
    const c = parseTrainingConfig(REPORT_RECIPE, 'recipe.yaml');
    expect(c.linear_rank).toBe(64);
    expect(c.conv_rank).toBe(16);
    expect(c.resolution).toEqual([1024, 1280]);
    expect(c.ema_decay).toBe(0.99);
    expect(c.learning_rate).toBeCloseTo(5e-5, 15);
    expect(c.dtype).toBe('bf16');
    expect(c.caption_dropout).toBe(TRAINING_DEFAULTS.caption_dropout);
  });

  it('reads JSON as well as YAML', () => {
    const c = parseTrainingConfig(JSON.stringify({ linear_rank: 8, resolution: 64, bucket_step: 16, timestep_sampling: 'shift' }));
    expect(c.linear_rank).toBe(8);
    expect(c.resolution).toEqual([64]);
    expect(c.timestep_sampling).toBe('shift');
  });

  it('names an unknown key and suggests the nearest one', () => {
    expect(() => parseTrainingConfig('linear_rnak: 4', 'run.yaml')).toThrow(/run\.yaml: unknown key "linear_rnak" \(did you mean "linear_rank"\?\)/);
  });

  it('names the key and the expected type for a wrong value', () => {
    expect(() => parseTrainingConfig('batch_size: two', 'run.yaml')).toThrow(/run\.yaml: key "batch_size" is "two", expected a number/);
    expect(() => parseTrainingConfig('steps: 1.5')).toThrow(/key "steps" is 1\.5, expected an integer/);
    expect(() => parseTrainingConfig('sample_sampler: dpm')).toThrow(/key "sample_sampler" is "dpm", expected one of euler, heun/);
  });

  it('rejects out-of-range values naming the key', () => {
    expect(() => parseTrainingConfig('ema_decay: 1')).toThrow(TrainerError);
    expect(() => parseTrainingConfig('ema_decay: 1')).toThrow(/"ema_decay" is 1, expected a number in \[0, 1\)/);
    expect(() => parseTrainingConfig('resolution: [100]\nbucket_step: 64')).toThrow(/"resolution" is \[100\], expected multiples of bucket_step 64/);
    expect(() => parseTrainingConfig('caption_dropout: 1.5')).toThrow(/"caption_dropout"/);
  });

  it('reports invalid YAML with the file name', () => {
    expect(() => parseTrainingConfig('steps: [1, 2', 'bad.yaml')).toThrow(/bad\.yaml: not valid YAML or JSON/);
  });
});

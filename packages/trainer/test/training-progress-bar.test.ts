import { describe, expect, it } from 'vitest';
import { TrainerError, trainingProgressBar } from '../src/index.js';

describe('trainingProgressBar options', () => {
  it('refuses bad options with a TrainerError naming the option', () => {
    const stream = { write: () => true };
    expect(() => trainingProgressBar({ stream, every: 5 } as never)).toThrow(TrainerError);
    expect(() => trainingProgressBar({ stream, every: 5 } as never)).toThrow(/trainingProgressBar: unknown option "every"; expected one of stream, label, everyLines/);
    expect(() => trainingProgressBar({ stream, everyLines: 0 })).toThrow(/option "everyLines" is 0, expected an integer >= 1/);
    expect(() => trainingProgressBar({ stream, everyLines: Number.NaN })).toThrow(/option "everyLines" is NaN/);
    expect(() => trainingProgressBar({ stream, label: 3 } as never)).toThrow(/option "label" is 3, expected a string/);
    expect(() => trainingProgressBar('train' as never)).toThrow(/trainingProgressBar: options must be an object.*got "train"/);
    expect(typeof trainingProgressBar({ stream, label: 'x', everyLines: 10 }).stop).toBe('function');
  });
});

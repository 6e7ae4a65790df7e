import { describe, expect, it } from 'vitest';
import { flowMatchEulerSchedule, flowMatchHeunSchedule, FlowSamplersError, qwenImageSchedule } from '../src/index.js';

const refuses = (call: () => unknown, pattern: RegExp) => {
  expect(call).toThrow(FlowSamplersError);
  expect(call).toThrow(pattern);
};

describe('schedule options are checked like CLI flags', () => {
  it('flowMatchEulerSchedule names the bad option, also inside config', () => {
    refuses(() => flowMatchEulerSchedule({ step: 4 } as never), /flowMatchEulerSchedule: unknown option "step"/);
    refuses(() => flowMatchEulerSchedule({ steps: 0 }), /option "steps" is 0, expected an integer >= 1/);
    refuses(() => flowMatchEulerSchedule({ steps: 4, mu: Number.NaN }), /option "mu" is NaN, expected a number/);
    refuses(() => flowMatchEulerSchedule({ steps: 4, config: { timeShiftType: 'cosine' } } as never), /flowMatchEulerSchedule config: option "timeShiftType" is "cosine", expected one of exponential, linear/);
    refuses(() => flowMatchEulerSchedule({ steps: 4, config: { shift: -1 } }), /config: option "shift" is -1, expected a number > 0/);
    refuses(() => flowMatchEulerSchedule('4' as never), /flowMatchEulerSchedule: options must be an object.*got "4"/);
  });

  it('qwenImageSchedule and flowMatchHeunSchedule name the bad option', () => {
    refuses(() => qwenImageSchedule({ width: 512, height: 512, step: 4 } as never), /qwenImageSchedule: unknown option "step"/);
    refuses(() => qwenImageSchedule({ width: Infinity, height: 512 }), /option "width" is Infinity, expected a number >= 16/);
    refuses(() => qwenImageSchedule({ width: 512 } as never), /option "height" is missing/);
    refuses(() => qwenImageSchedule('512x512' as never), /qwenImageSchedule: options must be an object/);
    refuses(() => flowMatchHeunSchedule(4, { shift: 0 }), /flowMatchHeunSchedule: option "shift" is 0, expected a number > 0/);
    refuses(() => flowMatchHeunSchedule(4, { numTrainTimesteps: 10.5 }), /option "numTrainTimesteps" is 10.5, expected an integer >= 1/);
    refuses(() => flowMatchHeunSchedule(4, { shfit: 3 } as never), /flowMatchHeunSchedule: unknown option "shfit"/);
    refuses(() => flowMatchHeunSchedule(4, 'shift' as never), /flowMatchHeunSchedule: options must be an object/);
  });

  it('leaves valid calls unchanged', () => {
    expect(flowMatchEulerSchedule({ steps: 3, config: { shift: 3, shiftTerminal: null } })).toEqual(flowMatchEulerSchedule({ steps: 3, config: { shift: 3 } }));
    expect(qwenImageSchedule({ width: 512, height: 256, steps: 4, sigmas: undefined }).imageSeqLen).toBe(512);
    expect(flowMatchHeunSchedule(3).sigmas.length).toBe(6);
  });
});

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DatasetError, listSceneThemes, renderScene, type SceneControls } from '@loraflow/datasets';

const themes = listSceneThemes();
// Digests of every theme's default output made by tools/fixtures/scene-digests.ts before scene controls existed.
const fixture = JSON.parse(readFileSync(new URL('./fixtures/scene-digests.json', import.meta.url), 'utf8')) as { digests: Record<string, string> };
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

describe('scene controls', () => {
  it('leave every theme\'s default output byte-identical to the pre-controls generator', () => {
    const keys = Object.keys(fixture.digests);
    expect(keys.length).toBe(themes.length * 13);
    for (const key of keys) {
      const [theme, seed, size] = key.split(' ');
      const [width, height] = size.split('x').map(Number);
      const scene = renderScene({ theme, seed: Number(seed), width, height });
      const hash = createHash('sha256').update(scene.image.data).update(JSON.stringify(scene.metadata)).digest('hex');
      expect(hash, key).toBe(fixture.digests[key]);
    }
  });

  it('setting a control to the value the scene drew anyway changes nothing', () => {
    for (const { id, controls } of themes) {
      for (let seed = 0; seed < 4; seed++) {
        const plain = renderScene({ theme: id, seed, width: 64, height: 64 });
        const a = plain.attributes;
        const c: SceneControls = {};
        if (controls.includes('celestial')) c.celestial = undefined;
        if (controls.includes('trees')) c.trees = a.trees;
        if (controls.includes('structure')) c.structure = a.structure;
        if (controls.includes('time')) c.time = a.night ? 'night' : 'day';
        const again = renderScene({ theme: id, seed, width: 64, height: 64, controls: c });
        expect(same(again.image.data, plain.image.data), `${id} ${seed}`).toBe(true);
        expect(again.caption).toBe(plain.caption);
      }
    }
  });

  it('places the sun or moon in the named third, and the caption says so', () => {
    const where = { left: 'on the left', centre: 'in the centre', right: 'on the right' } as const;
    for (const { id, controls } of themes.filter((t) => t.controls.includes('celestial'))) {
      expect(controls).toContain('celestial');
      for (const side of ['left', 'centre', 'right'] as const) {
        for (let seed = 0; seed < 5; seed++) {
          const s = renderScene({ theme: id, seed, width: 128, height: 128, controls: { celestial: side } });
          expect(s.attributes.celestial?.placement, `${id} ${seed} ${side}`).toBe(side);
          const x = s.attributes.celestial!.x;
          expect(side === 'left' ? x < 0.3 : side === 'right' ? x > 0.7 : Math.abs(x - 0.5) < 0.08).toBe(true);
          expect(s.caption).toMatch(new RegExp(`(sun|moon) ${where[side]}`));
        }
      }
    }
  });

  it('sets the time of day, the tree count and the structure, and the captions follow', () => {
    const night = renderScene({ theme: 'snowy-mountains', seed: 2, width: 64, height: 64, controls: { time: 'night' } });
    const day = renderScene({ theme: 'snowy-mountains', seed: 2, width: 64, height: 64, controls: { time: 'day' } });
    expect([night.attributes.night, day.attributes.night]).toEqual([true, false]);
    expect(night.metadata.mood).toBe('winter night');
    expect(day.metadata.mood).toBe('clear winter day');
    expect(night.caption).toContain('full moon');
    for (const n of [1, 3]) {
      const s = renderScene({ theme: 'volcanic', seed: 5, width: 64, height: 64, controls: { trees: n } });
      expect(s.attributes.trees).toBe(n);
      expect(s.caption).toContain(n === 1 ? 'a charred dead tree' : 'three charred dead trees');
    }
    const withCabin = renderScene({ theme: 'snowy-mountains', seed: 9, width: 64, height: 64, controls: { structure: true } });
    const without = renderScene({ theme: 'snowy-mountains', seed: 9, width: 64, height: 64, controls: { structure: false } });
    expect(withCabin.caption).toContain('a wooden cabin');
    expect(without.caption).not.toContain('cabin');
    expect(same(withCabin.image.data, without.image.data)).toBe(false);
  });

  it('rejects unsupported and malformed controls, naming the control and what was expected', () => {
    expect(() => renderScene({ theme: 'underwater', seed: 0, width: 32, height: 32, controls: { celestial: 'left' } })).toThrow(DatasetError);
    expect(() => renderScene({ theme: 'underwater', seed: 0, width: 32, height: 32, controls: { celestial: 'left' } })).toThrow(/"underwater": control "celestial" is not supported/);
    expect(() => renderScene({ theme: 'volcanic', seed: 0, width: 32, height: 32, controls: { trees: 0 } })).toThrow(/control trees = 0, expected an integer from 1 to 12/);
    expect(() => renderScene({ theme: 'snowy-mountains', seed: 0, width: 32, height: 32, controls: { time: 'dusk' as 'day' } })).toThrow(/control time = "dusk", expected "day" or "night"/);
  });
});

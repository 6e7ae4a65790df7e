/** datasets in a page: the scene generator renders a scene, and the browser codec round-trips it through PNG. */
import * as ds from '@loraflow/datasets';
import { expectClose, maxAbsDiff, report } from './page-report.js';

report(ds, async () => {
  const theme = ds.listSceneThemes()[0].id;
  const scene = ds.renderScene({ theme, seed: 7, width: 48, height: 32 });
  const png = await ds.encodePng(scene.image);
  const back = await ds.decodeImage(png, { channels: scene.image.channels as 3 | 4 });
  if (back.width !== 48 || back.height !== 32) throw new Error(`decoded ${back.width}x${back.height}, expected 48x32`);
  return `scene "${theme}" (${scene.caption.slice(0, 40)}...), ${png.length} PNG bytes; ${expectClose('PNG round trip', maxAbsDiff(back.data, scene.image.data), 0)}`;
});

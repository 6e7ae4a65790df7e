/** captioning in a page: the trigger word goes into a caption the way the dataset writer puts it. */
import * as cp from '@loraflow/captioning';
import { report } from './page-report.js';

report(cp, async () => {
  const caption = cp.insertTrigger('a red fox in the snow', 'sks');
  if (!cp.containsPhrase(caption, 'sks') || !caption.includes('red fox')) throw new Error(`insertTrigger gave "${caption}"`);
  return `caption "${caption}"`;
});

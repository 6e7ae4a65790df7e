import { TensorError } from '../errors.js';
import { keep, tidy } from '../scope.js';
import type { Tensor } from '../tensor.js';
import { onesLike } from '../ops/creation.js';
import { add } from '../ops/elementwise/binary.js';
import { noGrad } from './grad-mode.js';
import { accumulateEmbedded } from './embedded-gradients.js';

function topoOrder(root: Tensor): Tensor[] {
  const order: Tensor[] = [];
  const seen = new Set<Tensor>();
  const stack: [Tensor, boolean][] = [[root, false]];
  while (stack.length) {
    const [t, done] = stack.pop()!;
    if (done) {
      order.push(t);
      continue;
    }
    if (seen.has(t)) continue;
    seen.add(t);
    stack.push([t, true]);
    for (const input of t.gradNode?.inputs ?? []) {
      if (!input.requiresGrad || seen.has(input)) continue;
      if (input.isDisposed) {
        // A disposed intermediate has lost its place in the graph; going on would silently drop gradients.
        throw new TensorError(
          `backward: the graph from [${root.shape}] reaches tensor #${input.id} [${input.shape}] (input of ${t.gradNode!.op}), which was disposed ` +
            '(e.g. by the tidy() that computed the loss). Call backward() inside the same tidy scope as the forward pass.',
        );
      }
      stack.push([input, false]);
    }
  }
  return order.reverse();
}

/**
 * Reverse-mode differentiation from `root`: walks the recorded graph in reverse topological order,
 * accumulating into `.grad` of every leaf that requires grad. Gradients of intermediates are freed
 * as soon as they are consumed; leaf gradients outlive any `tidy` scope.
 */
export function backward(root: Tensor, grad?: Tensor): void {
  if (!root.requiresGrad) throw new TensorError(`backward: tensor [${root.shape}] does not require grad (no trainable input reached it)`);
  if (!grad && root.size !== 1) throw new TensorError(`backward: tensor [${root.shape}] is not a scalar; pass the output gradient explicitly`);
  noGrad(() => {
    const grads = new Map<Tensor, Tensor>();
    grads.set(root, grad ?? onesLike(root));
    for (const t of topoOrder(root)) {
      const g = grads.get(t);
      if (!g) continue;
      grads.delete(t);
      const node = t.gradNode;
      if (!node) {
        t.grad = keep(t.grad ? accumulate(t.grad, g) : g);
        continue;
      }
      const raw = tidy(() => node.backward(g));
      // Rules may hand back the incoming gradient itself or one tensor twice (add returns [g, g]);
      // give each consumer its own handle (shared storage is reference counted).
      const used = new Set<Tensor>([g]);
      const inputGrads = raw.map((ig) => {
        if (!ig) return null;
        const own = used.has(ig) ? ig.detach() : ig;
        used.add(own);
        return own;
      });
      if (g !== grad) g.dispose();
      node.inputs.forEach((input, i) => {
        const ig = inputGrads[i];
        if (!ig) return;
        if (!input.requiresGrad) {
          ig.dispose();
          return;
        }
        const prev = grads.get(input);
        grads.set(input, prev ? accumulate(prev, ig, true) : ig);
      });
    }
  });
}

/** prev + next, disposing both; `intermediate` allows the in-place shortcut for slice gradients (never on a user-visible .grad). */
function accumulate(prev: Tensor, next: Tensor, intermediate = false): Tensor {
  if (intermediate && accumulateEmbedded(prev, next)) {
    next.dispose();
    return prev;
  }
  const sum = add(prev, next);
  prev.dispose();
  if (next !== prev) next.dispose();
  return sum;
}

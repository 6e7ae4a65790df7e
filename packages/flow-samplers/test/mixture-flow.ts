import { tensor, tidy, type Tensor } from '@loraflow/tensor-core';
import type { VelocityModel } from '@loraflow/flow-samplers';

/**
 * Exact velocity of the flow from N(0, I) noise to a 2-D Gaussian mixture sum_k pi_k N(mu_k, c^2 I).
 * Given component k, x_s ~ N((1 - s) mu_k, var I) with var = (1 - s)^2 c^2 + s^2, and
 * E[eps - x0 | x, k] = r_k (s - (1 - s) c^2) / var - mu_k with r_k = x - (1 - s) mu_k; the velocity is
 * the posterior-weighted sum, w_k = softmax_k(log pi_k - |r_k|^2 / (2 var)).
 */
export function mixtureFlow(mu: number[][], pi: number[], c: number): VelocityModel<unknown> {
  const K = mu.length;
  const muT = tensor(mu.flat(), [1, K, 2]);
  const logPi = tensor(pi.map(Math.log), [1, K]);
  return (x: Tensor, s: number) =>
    tidy(() => {
      const a = 1 - s;
      const variance = a * a * c * c + s * s;
      const r = x.reshape([x.shape[0], 1, 2]).sub(muT.mul(a));
      const w = logPi.sub(r.square().sum(2).div(2 * variance)).softmax(-1);
      const vk = r.mul((s - a * c * c) / variance).sub(muT);
      return vk.mul(w.reshape([x.shape[0], K, 1])).sum(1);
    });
}

/** Per-component share, mean and standard deviation of 2-D points assigned to their nearest centre. */
export function componentStats(points: ArrayLike<number>, mu: number[][]) {
  const K = mu.length;
  const n = points.length / 2;
  const stats = mu.map(() => ({ count: 0, sum: [0, 0], sq: [0, 0] }));
  for (let i = 0; i < n; i++) {
    const p = [points[2 * i], points[2 * i + 1]];
    let best = 0;
    for (let k = 1; k < K; k++) {
      if (Math.hypot(p[0] - mu[k][0], p[1] - mu[k][1]) < Math.hypot(p[0] - mu[best][0], p[1] - mu[best][1])) best = k;
    }
    const st = stats[best];
    st.count++;
    for (let d = 0; d < 2; d++) {
      st.sum[d] += p[d];
      st.sq[d] += p[d] * p[d];
    }
  }
  return stats.map((st) => {
    const mean = st.sum.map((v) => v / st.count);
    return { share: st.count / n, mean, std: st.sq.map((v, d) => Math.sqrt(v / st.count - mean[d] ** 2)) };
  });
}

/** Every op in one namespace, for the Tensor class's method forms and the package index. */
export { backward } from '../autograd/backward.js';
export { cast } from './cast.js';
export { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge } from './elementwise/binary.js';
export { neg, abs, exp, log, sqrt, rsqrt, tanh, sigmoid, silu, relu, gelu, square, sin, cos, reciprocal, erf, sign } from './elementwise/unary.js';
export { where, clamp } from './elementwise/where.js';
export { sum, mean, max, min, variance, argmax, argmin } from './reduce/reduce.js';
export { matmul, linear } from './linalg/matmul.js';
export { reshape, flatten, squeeze, unsqueeze, detach } from './layout/reshape.js';
export { permute, transpose } from './layout/permute.js';
export { slice, narrow, pad, embed } from './layout/slice.js';
export { expand } from './layout/expand.js';
export { concat, stack, split } from './layout/concat.js';
export { softmax, logSoftmax } from './nn/softmax.js';
export { layerNorm, rmsNorm, groupNorm } from './nn/norms.js';
export { scaledDotProductAttention } from './nn/attention.js';
export { conv2d } from './nn/conv2d.js';
export { upsample } from './nn/upsample.js';
export { indexSelect, embedding, gather } from './nn/gather.js';

/**
 * A one-node ONNX model, Y = Conv(X, W, B) in NCHW with kernel_shape, pads, strides, dilations and
 * group set (opset 13). W and B are initializers, as in a model exported from a framework, so
 * onnxruntime may pre-pack the filter and pick its blocked (NCHWc) conv when it optimises the graph.
 */
import { attribute, bytesField, intField, modelBytes, node, stringField, tensorValueInfo } from '../cpu-kernels/onnx-proto.js';
import { CONV, type ConvCase } from './conv-cases.js';

/** TensorProto { dims*, data_type FLOAT, name, raw_data } of a float32 initializer. */
function floatInitializer(name: string, dims: number[], data: Float32Array): number[] {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return [...dims.flatMap((d) => intField(1, d)), ...intField(2, 1), ...stringField(8, name), ...bytesField(9, Array.from(raw))];
}

/** Bytes of the ModelProto for one case with the given filter [O, C, 3, 3] and bias [O]. */
export function convModelBytes(s: ConvCase, w: Float32Array, b: Float32Array): Uint8Array {
  const { k, stride, pad, dilation } = CONV;
  const attrs = [
    attribute('kernel_shape', [k, k]),
    attribute('pads', [pad, pad, pad, pad]),
    attribute('strides', [stride, stride]),
    attribute('dilations', [dilation, dilation]),
    attribute('group', { int: 1 }),
  ];
  const oh = Math.floor((s.h + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
  const ow = Math.floor((s.w + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
  return modelBytes({
    name: 'conv_graph',
    nodes: [node('Conv', ['X', 'W', 'B'], ['Y'], attrs)],
    initializers: [floatInitializer('W', [s.o, s.c, k, k], w), floatInitializer('B', [s.o], b)],
    inputs: [tensorValueInfo('X', [s.n, s.c, s.h, s.w])],
    outputs: [tensorValueInfo('Y', [s.n, s.o, oh, ow])],
  });
}

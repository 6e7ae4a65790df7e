/**
 * ONNX LoRA linear forward, Y = Gemm(X, W^T, bias) + Gemm(Gemm(X, A^T), B^T, alpha = scale), with
 * W, bias, A, B as graph inputs (opset 13, symbolic dims) so one model serves every case.
 */
import { attribute, modelBytes, node, tensorValueInfo } from '../cpu-kernels/onnx-proto.js';

/** Bytes of the LoRA linear ModelProto for a given LoRA scale. */
export function loraLinearModelBytes(scale: number): Uint8Array {
  const transB = attribute('transB', { int: 1 });
  return modelBytes({
    name: 'lora_linear_graph',
    nodes: [
      node('Gemm', ['X', 'W', 'bias'], ['base'], [transB]),
      node('Gemm', ['X', 'A'], ['low'], [transB]),
      node('Gemm', ['low', 'B'], ['up'], [transB, attribute('alpha', { float: scale })]),
      node('Add', ['base', 'up'], ['Y']),
    ],
    inputs: [
      tensorValueInfo('X', ['T', 'IN']),
      tensorValueInfo('W', ['OUT', 'IN']),
      tensorValueInfo('bias', ['OUT']),
      tensorValueInfo('A', ['R', 'IN']),
      tensorValueInfo('B', ['OUT', 'R']),
    ],
    outputs: [tensorValueInfo('Y', ['T', 'OUT'])],
  });
}

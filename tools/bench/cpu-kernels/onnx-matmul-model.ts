/** A one-node ONNX model, Y = MatMul(A, B) on float32 with symbolic dims [M,K] x [K,N] (opset 13). */
import { modelBytes, node, tensorValueInfo } from './onnx-proto.js';

/** Bytes of the ONNX ModelProto (IR 7, opset 13). */
export function matmulModelBytes(): Uint8Array {
  return modelBytes({
    name: 'matmul_graph',
    nodes: [node('MatMul', ['A', 'B'], ['Y'])],
    inputs: [tensorValueInfo('A', ['M', 'K']), tensorValueInfo('B', ['K', 'N'])],
    outputs: [tensorValueInfo('Y', ['M', 'N'])],
  });
}

/**
 * ONNX attention as the unfused graph a converter emits: O = Softmax(MatMul(Q, Transpose(K)) * scale) V,
 * on float32 [BH, S, D] inputs with symbolic dims (opset 13, softmax over the last axis).
 */
import { attribute, floatScalarInitializer, modelBytes, node, tensorValueInfo } from './onnx-proto.js';

/** Bytes of the attention ModelProto for a given softmax scale. */
export function attentionModelBytes(scale: number): Uint8Array {
  const dims = ['BH', 'S', 'D'];
  return modelBytes({
    name: 'attention_graph',
    nodes: [
      node('Transpose', ['K'], ['KT'], [attribute('perm', [0, 2, 1])]),
      node('MatMul', ['Q', 'KT'], ['scores']),
      node('Mul', ['scores', 'scale'], ['scaled']),
      node('Softmax', ['scaled'], ['probs'], [attribute('axis', { int: 2 })]),
      node('MatMul', ['probs', 'V'], ['O']),
    ],
    initializers: [floatScalarInitializer('scale', scale)],
    inputs: ['Q', 'K', 'V'].map((n) => tensorValueInfo(n, dims)),
    outputs: [tensorValueInfo('O', dims)],
  });
}

/**
 * The fused contrib op com.microsoft.MultiHeadAttention (CPU EP) on [BH, S, D] inputs read as
 * batch BH with one head of D (the same memory layout); its scale defaults to 1/sqrt(D).
 */
export function multiHeadAttentionModelBytes(): Uint8Array {
  const dims = ['BH', 'S', 'D'];
  return modelBytes({
    name: 'mha_graph',
    nodes: [node('MultiHeadAttention', ['Q', 'K', 'V'], ['O'], [attribute('num_heads', { int: 1 })], 'com.microsoft')],
    inputs: ['Q', 'K', 'V'].map((n) => tensorValueInfo(n, dims)),
    outputs: [tensorValueInfo('O', dims)],
  }, [['', 13], ['com.microsoft', 1]]);
}

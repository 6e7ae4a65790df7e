/**
 * A one-node ONNX model, Y = MatMul(A, B) on float32 with symbolic dims [M,K] x [K,N], encoded
 * by hand: the protobuf subset needed is tiny (varints and length-delimited fields), so the
 * benchmark needs no onnx or protobuf package.
 */

const VARINT = 0;
const LEN = 2;

function varint(v: number): number[] {
  const out: number[] = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v > 0) b |= 0x80;
    out.push(b);
  } while (v > 0);
  return out;
}

function key(field: number, wire: number): number[] {
  return varint((field << 3) | wire);
}

function intField(field: number, v: number): number[] {
  return [...key(field, VARINT), ...varint(v)];
}

function bytesField(field: number, body: number[]): number[] {
  return [...key(field, LEN), ...varint(body.length), ...body];
}

function stringField(field: number, s: string): number[] {
  return bytesField(field, [...new TextEncoder().encode(s)]);
}

/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: FLOAT, shape { dim { dim_param }... } } } }. */
function tensorValueInfo(name: string, dims: string[]): number[] {
  const shape = dims.flatMap((d) => bytesField(1, stringField(2, d)));
  const tensorType = [...intField(1, 1), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** Bytes of the ONNX ModelProto (IR 7, opset 13). */
export function matmulModelBytes(): Uint8Array {
  const node = [...stringField(1, 'A'), ...stringField(1, 'B'), ...stringField(2, 'Y'), ...stringField(3, 'matmul'), ...stringField(4, 'MatMul')];
  const graph = [
    ...bytesField(1, node),
    ...stringField(2, 'matmul_graph'),
    ...bytesField(11, tensorValueInfo('A', ['M', 'K'])),
    ...bytesField(11, tensorValueInfo('B', ['K', 'N'])),
    ...bytesField(12, tensorValueInfo('Y', ['M', 'N'])),
  ];
  const opset = [...stringField(1, ''), ...intField(2, 13)];
  const model = [...intField(1, 7), ...stringField(2, 'loraflow-bench'), ...bytesField(7, graph), ...bytesField(8, opset)];
  return Uint8Array.from(model);
}

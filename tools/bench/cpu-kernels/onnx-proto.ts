/**
 * The protobuf subset the benchmarks' hand-built ONNX models need (varints and length-delimited
 * fields), so no onnx or protobuf package is required. Field numbers follow onnx.proto.
 */

const VARINT = 0;
const LEN = 2;
const FIXED32 = 5;

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

/** A non-negative integer field (varint). */
export function intField(field: number, v: number): number[] {
  return [...key(field, VARINT), ...varint(v)];
}

/** A length-delimited field: a nested message or bytes. */
export function bytesField(field: number, body: number[]): number[] {
  return [...key(field, LEN), ...varint(body.length), ...body];
}

/** A UTF-8 string field. */
export function stringField(field: number, s: string): number[] {
  return bytesField(field, [...new TextEncoder().encode(s)]);
}

function floatField(field: number, v: number): number[] {
  return [...key(field, FIXED32), ...new Uint8Array(Float32Array.of(v).buffer)];
}

/** ValueInfoProto { name, type: TypeProto { tensor_type { elem_type: FLOAT, shape { dim { dim_param | dim_value }... } } } }. */
export function tensorValueInfo(name: string, dims: (string | number)[]): number[] {
  const shape = dims.flatMap((d) => bytesField(1, typeof d === 'string' ? stringField(2, d) : intField(1, d)));
  const tensorType = [...intField(1, 1), ...bytesField(2, shape)];
  return [...stringField(1, name), ...bytesField(2, bytesField(1, tensorType))];
}

/** AttributeProto: an int list (type INTS = 7), an int (INT = 2) or a float (FLOAT = 1). */
export function attribute(name: string, value: number[] | { int: number } | { float: number }): number[] {
  if (Array.isArray(value)) return [...stringField(1, name), ...intField(20, 7), ...value.flatMap((v) => intField(8, v))];
  if ('int' in value) return [...stringField(1, name), ...intField(20, 2), ...intField(3, value.int)];
  return [...stringField(1, name), ...intField(20, 1), ...floatField(2, value.float)];
}

/** NodeProto { input*, output*, name, op_type, attribute*, domain }. */
export function node(op: string, inputs: string[], outputs: string[], attrs: number[][] = [], domain = ''): number[] {
  return [
    ...inputs.flatMap((i) => stringField(1, i)),
    ...outputs.flatMap((o) => stringField(2, o)),
    ...stringField(3, `${op}_${outputs[0]}`),
    ...stringField(4, op),
    ...attrs.flatMap((a) => bytesField(5, a)),
    ...(domain ? stringField(7, domain) : []),
  ];
}

/** TensorProto of a float32 scalar held as raw_data, for a graph initializer. */
export function floatScalarInitializer(name: string, v: number): number[] {
  return [...intField(2, 1), ...stringField(8, name), ...bytesField(9, [...new Uint8Array(Float32Array.of(v).buffer)])];
}

/** Bytes of a ModelProto (IR 7) holding one graph; opsets as [domain, version] pairs. */
export function modelBytes(graph: { name: string; nodes: number[][]; initializers?: number[][]; inputs: number[][]; outputs: number[][] }, opsets: [string, number][] = [['', 13]]): Uint8Array {
  const g = [
    ...graph.nodes.flatMap((n) => bytesField(1, n)),
    ...stringField(2, graph.name),
    ...(graph.initializers ?? []).flatMap((t) => bytesField(5, t)),
    ...graph.inputs.flatMap((i) => bytesField(11, i)),
    ...graph.outputs.flatMap((o) => bytesField(12, o)),
  ];
  const opsetImports = opsets.flatMap(([domain, version]) => bytesField(8, [...stringField(1, domain), ...intField(2, version)]));
  return Uint8Array.from([...intField(1, 7), ...stringField(2, 'loraflow-bench'), ...bytesField(7, g), ...opsetImports]);
}

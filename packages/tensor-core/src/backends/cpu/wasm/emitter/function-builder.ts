import { ByteWriter } from './byte-writer.js';
import { AtomicOp, Op, SimdOp, ValType } from './opcodes.js';

/** A parameter or local of the function being built. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** A branch target: the block, loop or if that was open when it was made. */
export interface Label {
  readonly depth: number;
}

const ALIGN = { 4: 2, 8: 3, 16: 4 } as const;

/**
 * Emits one function body as a stack-machine instruction stream. Methods mirror the
 * WebAssembly text names (i32Add = i32.add) and return `this` so code reads in stack order.
 */
export class FunctionBuilder {
  readonly params: readonly Local[];
  private readonly locals: ValType[] = [];
  private readonly code = new ByteWriter();
  private depth = 0;

  constructor(
    readonly paramTypes: readonly ValType[],
    readonly resultTypes: readonly ValType[],
  ) {
    this.params = paramTypes.map((type, index) => ({ index, type }));
  }

  /** Declares a new local of `type`. */
  local(type: ValType): Local {
    this.locals.push(type);
    return { index: this.paramTypes.length + this.locals.length - 1, type };
  }

  // ---- variables and constants
  get(l: Local): this {
    this.code.byte(Op.localGet).u32(l.index);
    return this;
  }
  set(l: Local): this {
    this.code.byte(Op.localSet).u32(l.index);
    return this;
  }
  tee(l: Local): this {
    this.code.byte(Op.localTee).u32(l.index);
    return this;
  }
  i32(v: number): this {
    this.code.byte(Op.i32Const).i32(v);
    return this;
  }
  f32(v: number): this {
    this.code.byte(Op.f32Const).f32(v);
    return this;
  }
  /** v128.const from four f32 lanes. */
  v128f32(a: number, b = a, c = a, d = a): this {
    this.simd(SimdOp.v128Const);
    for (const v of [a, b, c, d]) this.code.f32(v);
    return this;
  }
  /** v128.const from four i32 lanes. */
  v128i32(a: number, b = a, c = a, d = a): this {
    this.simd(SimdOp.v128Const);
    const dv = new DataView(new ArrayBuffer(16));
    [a, b, c, d].forEach((v, i) => dv.setInt32(i * 4, v, true));
    this.code.bytes(new Uint8Array(dv.buffer));
    return this;
  }

  // ---- raw opcodes: private, so every instruction a kernel emits has a name
  private op(code: number): this {
    this.code.byte(code);
    return this;
  }
  private simd(code: number): this {
    this.code.byte(0xfd).u32(code);
    return this;
  }

  // ---- memory (addresses are i32 byte offsets; `offset` is the static immediate)
  i32Load(offset = 0): this {
    return this.mem(Op.i32Load, 4, offset);
  }
  f32Load(offset = 0): this {
    return this.mem(Op.f32Load, 4, offset);
  }
  i32Store(offset = 0): this {
    return this.mem(Op.i32Store, 4, offset);
  }
  f32Store(offset = 0): this {
    return this.mem(Op.f32Store, 4, offset);
  }
  v128Load(offset = 0): this {
    this.simd(SimdOp.v128Load);
    this.code.u32(ALIGN[16]).u32(offset);
    return this;
  }
  v128Store(offset = 0): this {
    this.simd(SimdOp.v128Store);
    this.code.u32(ALIGN[16]).u32(offset);
    return this;
  }
  v128Load32Splat(offset = 0): this {
    this.simd(SimdOp.v128Load32Splat);
    this.code.u32(ALIGN[4]).u32(offset);
    return this;
  }
  v128Load32Zero(offset = 0): this {
    this.simd(SimdOp.v128Load32Zero);
    this.code.u32(ALIGN[4]).u32(offset);
    return this;
  }
  /** i32.atomic.rmw.add: returns the old value. */
  i32AtomicAdd(offset = 0): this {
    this.code.byte(0xfe).u32(AtomicOp.i32RmwAdd).u32(ALIGN[4]).u32(offset);
    return this;
  }
  i32AtomicLoad(offset = 0): this {
    this.code.byte(0xfe).u32(AtomicOp.i32Load).u32(ALIGN[4]).u32(offset);
    return this;
  }
  i32AtomicStore(offset = 0): this {
    this.code.byte(0xfe).u32(AtomicOp.i32Store).u32(ALIGN[4]).u32(offset);
    return this;
  }

  // ---- i32 arithmetic
  i32Add(): this {
    return this.op(Op.i32Add);
  }
  i32Sub(): this {
    return this.op(Op.i32Sub);
  }
  i32Mul(): this {
    return this.op(Op.i32Mul);
  }
  i32Shl(): this {
    return this.op(Op.i32Shl);
  }
  i32ShrU(): this {
    return this.op(Op.i32ShrU);
  }
  i32And(): this {
    return this.op(Op.i32And);
  }
  i32Or(): this {
    return this.op(Op.i32Or);
  }
  i32DivU(): this {
    return this.op(Op.i32DivU);
  }
  i32RemU(): this {
    return this.op(Op.i32RemU);
  }
  i32LtS(): this {
    return this.op(Op.i32LtS);
  }
  i32GtS(): this {
    return this.op(Op.i32GtS);
  }
  i32LeS(): this {
    return this.op(Op.i32LeS);
  }
  i32GeS(): this {
    return this.op(Op.i32GeS);
  }
  i32LtU(): this {
    return this.op(Op.i32LtU);
  }
  i32GeU(): this {
    return this.op(Op.i32GeU);
  }
  i32Eq(): this {
    return this.op(Op.i32Eq);
  }
  i32Ne(): this {
    return this.op(Op.i32Ne);
  }
  i32Eqz(): this {
    return this.op(Op.i32Eqz);
  }
  select(): this {
    return this.op(Op.select);
  }
  drop(): this {
    return this.op(Op.drop);
  }
  /** Traps (a kernel's or a test's deliberate failure). */
  unreachable(): this {
    return this.op(Op.unreachable);
  }
  call(funcIndex: number): this {
    this.code.byte(Op.call).u32(funcIndex);
    return this;
  }

  // ---- f32 scalar
  f32Add(): this {
    return this.op(Op.f32Add);
  }
  f32Sub(): this {
    return this.op(Op.f32Sub);
  }
  f32Mul(): this {
    return this.op(Op.f32Mul);
  }
  f32Div(): this {
    return this.op(Op.f32Div);
  }
  f32Max(): this {
    return this.op(Op.f32Max);
  }
  f32Sqrt(): this {
    return this.op(Op.f32Sqrt);
  }
  f32Min(): this {
    return this.op(Op.f32Min);
  }
  f32Neg(): this {
    return this.op(Op.f32Neg);
  }
  f32Abs(): this {
    return this.op(Op.f32Abs);
  }
  f32Lt(): this {
    return this.op(Op.f32Lt);
  }
  f32Gt(): this {
    return this.op(Op.f32Gt);
  }
  f32ConvertI32S(): this {
    return this.op(Op.f32ConvertI32S);
  }
  f64(v: number): this {
    this.code.byte(Op.f64Const).f64(v);
    return this;
  }
  f64Add(): this {
    return this.op(Op.f64Add);
  }
  f64Div(): this {
    return this.op(Op.f64Div);
  }
  f64Sqrt(): this {
    return this.op(Op.f64Sqrt);
  }
  f32DemoteF64(): this {
    return this.op(Op.f32DemoteF64);
  }
  f64PromoteF32(): this {
    return this.op(Op.f64PromoteF32);
  }
  f64ConvertI32S(): this {
    return this.op(Op.f64ConvertI32S);
  }

  // ---- f32x4
  f32x4Splat(): this {
    return this.simd(SimdOp.f32x4Splat);
  }
  f32x4Add(): this {
    return this.simd(SimdOp.f32x4Add);
  }
  f32x4Sub(): this {
    return this.simd(SimdOp.f32x4Sub);
  }
  f32x4Mul(): this {
    return this.simd(SimdOp.f32x4Mul);
  }
  f32x4Div(): this {
    return this.simd(SimdOp.f32x4Div);
  }
  f32x4Max(): this {
    return this.simd(SimdOp.f32x4Max);
  }
  f32x4Min(): this {
    return this.simd(SimdOp.f32x4Min);
  }
  f32x4Pmax(): this {
    return this.simd(SimdOp.f32x4Pmax);
  }
  f32x4Pmin(): this {
    return this.simd(SimdOp.f32x4Pmin);
  }
  f32x4Sqrt(): this {
    return this.simd(SimdOp.f32x4Sqrt);
  }
  f32x4Abs(): this {
    return this.simd(SimdOp.f32x4Abs);
  }
  f32x4Neg(): this {
    return this.simd(SimdOp.f32x4Neg);
  }
  f32x4Nearest(): this {
    return this.simd(SimdOp.f32x4Nearest);
  }
  f32x4Lt(): this {
    return this.simd(SimdOp.f32x4Lt);
  }
  f32x4Eq(): this {
    return this.simd(SimdOp.f32x4Eq);
  }
  f32x4Ge(): this {
    return this.simd(SimdOp.f32x4Ge);
  }
  f32x4Le(): this {
    return this.simd(SimdOp.f32x4Le);
  }
  f32x4Floor(): this {
    return this.simd(SimdOp.f32x4Floor);
  }
  f32x4Gt(): this {
    return this.simd(SimdOp.f32x4Gt);
  }
  f32x4ExtractLane(lane: number): this {
    this.simd(SimdOp.f32x4ExtractLane);
    this.code.byte(lane);
    return this;
  }
  f32x4ReplaceLane(lane: number): this {
    this.simd(SimdOp.f32x4ReplaceLane);
    this.code.byte(lane);
    return this;
  }
  i32x4TruncSatF32x4S(): this {
    return this.simd(SimdOp.i32x4TruncSatF32x4S);
  }
  f32x4ConvertI32x4S(): this {
    return this.simd(SimdOp.f32x4ConvertI32x4S);
  }
  /** f64x2 from f32 lanes 0 and 1. */
  f64x2PromoteLowF32x4(): this {
    return this.simd(SimdOp.f64x2PromoteLowF32x4);
  }
  f64x2Add(): this {
    return this.simd(SimdOp.f64x2Add);
  }
  f64x2ExtractLane(lane: number): this {
    this.simd(SimdOp.f64x2ExtractLane);
    this.code.byte(lane);
    return this;
  }
  i32x4Add(): this {
    return this.simd(SimdOp.i32x4Add);
  }
  i32x4Shl(): this {
    return this.simd(SimdOp.i32x4Shl);
  }
  i32x4ShrS(): this {
    return this.simd(SimdOp.i32x4ShrS);
  }
  i32x4Sub(): this {
    return this.simd(SimdOp.i32x4Sub);
  }
  v128And(): this {
    return this.simd(SimdOp.v128And);
  }
  /** a & ~b. */
  v128AndNot(): this {
    return this.simd(SimdOp.v128AndNot);
  }
  v128Or(): this {
    return this.simd(SimdOp.v128Or);
  }
  v128Xor(): this {
    return this.simd(SimdOp.v128Xor);
  }
  v128Bitselect(): this {
    return this.simd(SimdOp.v128Bitselect);
  }
  /** i8x16.shuffle with 16 lane indices into the concatenation of the two operands. */
  i8x16Shuffle(lanes: readonly number[]): this {
    this.simd(SimdOp.i8x16Shuffle);
    this.code.bytes(lanes);
    return this;
  }
  /** Shuffle of f32 lanes (0-3 from the first operand, 4-7 from the second). */
  f32x4Shuffle(a: number, b: number, c: number, d: number): this {
    const bytes: number[] = [];
    for (const l of [a, b, c, d]) for (let i = 0; i < 4; i++) bytes.push(l * 4 + i);
    return this.i8x16Shuffle(bytes);
  }
  /** f32x4.relaxed_madd: stack [a, b, c] -> a*b + c. */
  f32x4RelaxedMadd(): this {
    return this.simd(SimdOp.f32x4RelaxedMadd);
  }

  // ---- structured control flow
  /** A block; `br(exit)` jumps past its end. */
  block(body: (exit: Label) => void): this {
    this.code.byte(Op.block).byte(0x40);
    return this.nest(body);
  }
  /** A loop; `br(top)` jumps back to its start. */
  loop(body: (top: Label) => void): this {
    this.code.byte(Op.loop).byte(0x40);
    return this.nest(body);
  }
  /** Pops an i32 condition; runs `then` when non-zero, else `otherwise`; both leave `result` if given. */
  ifElse(then: () => void, otherwise?: () => void, result?: ValType): this {
    this.code.byte(Op.if).byte(result ?? 0x40);
    this.depth++;
    then();
    if (otherwise) {
      this.code.byte(Op.else);
      otherwise();
    }
    this.depth--;
    this.code.byte(Op.end);
    return this;
  }
  br(l: Label): this {
    this.code.byte(Op.br).u32(this.depth - l.depth);
    return this;
  }
  brIf(l: Label): this {
    this.code.byte(Op.brIf).u32(this.depth - l.depth);
    return this;
  }
  ret(): this {
    return this.op(Op.return);
  }

  /**
   * `for (i = from; i < to; i += step) body()` with i32 locals; `from` and `to` are emitted by
   * the callbacks so they can be any expression. The test sits at the bottom of the loop.
   */
  forRange(i: Local, from: () => void, to: Local, step: number, body: (exit: Label) => void): this {
    from();
    this.set(i);
    return this.block((exit) => {
      this.get(i).get(to).i32GeS().brIf(exit);
      this.loop((top) => {
        body(exit);
        this.get(i).i32(step).i32Add().tee(i).get(to).i32LtS().brIf(top);
      });
    });
  }

  /** `l += delta` for an i32 local. */
  inc(l: Local, delta: number): this {
    if (delta === 0) return this;
    return this.get(l).i32(delta).i32Add().set(l);
  }

  /** Encodes the body (locals + code + end) as the code section expects it, without its size. */
  encodeBody(): ByteWriter {
    if (this.depth !== 0) throw new Error(`FunctionBuilder: ${this.depth} unclosed blocks`);
    const w = new ByteWriter();
    const groups: { type: ValType; count: number }[] = [];
    for (const t of this.locals) {
      const last = groups[groups.length - 1];
      if (last && last.type === t) last.count++;
      else groups.push({ type: t, count: 1 });
    }
    w.u32(groups.length);
    for (const g of groups) w.u32(g.count).byte(g.type);
    w.bytes(this.code.toBytes());
    w.byte(Op.end);
    return w;
  }

  private mem(code: number, size: 4 | 8 | 16, offset: number): this {
    this.code.byte(code).u32(ALIGN[size]).u32(offset);
    return this;
  }

  private nest(body: (l: Label) => void): this {
    this.depth++;
    body({ depth: this.depth });
    this.depth--;
    this.code.byte(Op.end);
    return this;
  }
}

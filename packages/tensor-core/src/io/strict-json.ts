import { quoteForMessage } from './message-text.js';

/**
 * A JSON value as the strict parser returns it: objects are Maps (so a key such as "__proto__" is
 * only data, and key order is kept), integers written without fraction or exponent are bigint
 * (exact at any size), every other number is a JS number.
 */
export type StrictJsonValue = null | boolean | string | number | bigint | StrictJsonValue[] | StrictJsonObject;

/** A JSON object as a Map from key to value (duplicate keys are refused while parsing). */
export type StrictJsonObject = Map<string, StrictJsonValue>;

/** Where and why a strict parse failed; `offset` counts UTF-16 units of the decoded text. */
export class StrictJsonError extends Error {
  override name = 'StrictJsonError';
  constructor(
    readonly reason: string,
    readonly offset: number,
  ) {
    super(`${reason} at character ${offset}`);
  }
}

/** The nesting depth serde_json (and so the safetensors crate) allows. */
export const STRICT_JSON_MAX_DEPTH = 128;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Parses RFC 8259 JSON the way a validator needs and JSON.parse cannot: duplicate keys in any
 * object are an error (JSON.parse keeps the last, so two readers could see two different files),
 * nesting is capped (a deep array cannot exhaust the stack), and integers keep their written form.
 * Surrounding whitespace is allowed; anything else after the value is an error.
 */
export function parseStrictJson(text: string, maxDepth = STRICT_JSON_MAX_DEPTH): StrictJsonValue {
  let at = 0;
  const fail = (reason: string, where = at): never => {
    throw new StrictJsonError(reason, where);
  };
  const skipSpace = () => {
    while (at < text.length && WHITESPACE.has(text.charCodeAt(at))) at++;
  };
  const expectLiteral = (word: string) => {
    if (text.startsWith(word, at)) at += word.length;
    else fail('unexpected character');
  };

  const parseString = (): string => {
    at++; // opening quote
    let out = '';
    let runStart = at;
    for (;;) {
      if (at >= text.length) fail('unterminated string');
      const c = text.charCodeAt(at);
      if (c === 0x22) {
        out += text.slice(runStart, at);
        at++;
        return out;
      }
      if (c < 0x20) fail('control character in string');
      if (c !== 0x5c) {
        at++;
        continue;
      }
      out += text.slice(runStart, at);
      const e = text[at + 1];
      at += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const unit = readHex4();
          if (unit >= 0xd800 && unit <= 0xdbff) {
            // A high surrogate must be followed by an escaped low one, as serde_json requires.
            if (text[at] !== '\\' || text[at + 1] !== 'u') fail('lone leading surrogate in \\u escape');
            at += 2;
            const low = readHex4();
            if (low < 0xdc00 || low > 0xdfff) fail('invalid trailing surrogate in \\u escape');
            out += String.fromCharCode(unit, low);
          } else if (unit >= 0xdc00 && unit <= 0xdfff) {
            fail('lone trailing surrogate in \\u escape');
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          fail('invalid escape', at - 1);
      }
      runStart = at;
    }
  };
  const readHex4 = (): number => {
    const hex = text.slice(at, at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
    at += 4;
    return Number.parseInt(hex, 16);
  };

  const parseNumber = (): number | bigint => {
    const start = at;
    if (text[at] === '-') at++;
    if (text[at] === '0') at++;
    else if (text[at] >= '1' && text[at] <= '9') while (text[at] >= '0' && text[at] <= '9') at++;
    else fail('invalid number', start);
    let integer = true;
    if (text[at] === '.') {
      integer = false;
      at++;
      if (!(text[at] >= '0' && text[at] <= '9')) fail('invalid number', start);
      while (text[at] >= '0' && text[at] <= '9') at++;
    }
    if (text[at] === 'e' || text[at] === 'E') {
      integer = false;
      at++;
      if (text[at] === '+' || text[at] === '-') at++;
      if (!(text[at] >= '0' && text[at] <= '9')) fail('invalid number', start);
      while (text[at] >= '0' && text[at] <= '9') at++;
    }
    const literal = text.slice(start, at);
    // serde_json reads "-0" as the float -0.0, so it is not an integer either.
    if (integer && literal !== '-0') return BigInt(literal);
    return Number(literal);
  };

  const parseValue = (depth: number): StrictJsonValue => {
    skipSpace();
    const c = text[at];
    if (c === '{' || c === '[') {
      // serde_json counts down from 128 and fails on the container that reaches 0: at most 127 levels.
      if (depth + 1 >= maxDepth) fail(`nesting reaches the ${maxDepth}-level limit`);
      return c === '{' ? parseObject(depth + 1) : parseArray(depth + 1);
    }
    if (c === '"') return parseString();
    if (c === 't') return expectLiteral('true'), true;
    if (c === 'f') return expectLiteral('false'), false;
    if (c === 'n') return expectLiteral('null'), null;
    if (c === '-' || (c >= '0' && c <= '9')) return parseNumber();
    return fail(c === undefined ? 'unexpected end of input' : 'unexpected character');
  };
  const parseArray = (depth: number): StrictJsonValue[] => {
    at++;
    const out: StrictJsonValue[] = [];
    skipSpace();
    if (text[at] === ']') {
      at++;
      return out;
    }
    for (;;) {
      out.push(parseValue(depth));
      skipSpace();
      if (text[at] === ',') at++;
      else if (text[at] === ']') return at++, out;
      else fail("expected ',' or ']'");
    }
  };
  const parseObject = (depth: number): StrictJsonObject => {
    at++;
    const out: StrictJsonObject = new Map();
    skipSpace();
    if (text[at] === '}') {
      at++;
      return out;
    }
    for (;;) {
      skipSpace();
      if (text[at] !== '"') fail('expected a string key');
      const keyAt = at;
      const key = parseString();
      if (out.has(key)) fail(`duplicate key ${quoteForMessage(key)}`, keyAt);
      skipSpace();
      if (text[at] !== ':') fail("expected ':'");
      at++;
      out.set(key, parseValue(depth));
      skipSpace();
      if (text[at] === ',') at++;
      else if (text[at] === '}') return at++, out;
      else fail("expected ',' or '}'");
    }
  };

  const value = parseValue(0);
  skipSpace();
  if (at !== text.length) fail('trailing characters after the JSON value');
  return value;
}

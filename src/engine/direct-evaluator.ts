/**
 * Evaluates a compiled policy through the module's one-call entry point (`opa_eval`, WASM ABI
 * 1.2), given the input already serialised. opa-wasm's own `evaluate` takes the same steps but
 * serialises the input itself, builds a TextEncoder and a TextDecoder per call, copies the encoded
 * input once more and finds the end of the result one byte at a time in JavaScript; here the input
 * is encoded straight into the module's memory and the result is read with one reused decoder.
 *
 * Invariants: the memory protocol is the library's (input written at the data heap pointer, the
 * evaluation's heap after it, everything discarded on the next call); memory grows only through
 * `Memory.grow`, so the engine's cap holds and growth past it throws a RangeError as before; the
 * answer is the text of the result set `evaluate` returns (it parses the same bytes).
 */
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';

/** What the engine hands a serialised input to; answers the result set as JSON text. */
export interface JsonEvaluator {
  evaluateJson(json: string, entrypoint: string): string;
}

type OpaEval = (
  reserved: number,
  entrypoint: number,
  dataAddr: number,
  inputAddr: number,
  inputLen: number,
  heapPtr: number,
  format: number,
) => number;

/** The module's memory, as far as it is used here (the project builds without the DOM types). */
interface ModuleMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

const PAGE = 64 * 1024;

/** The evaluator, or null when the module predates ABI 1.2 (the library's path is used then). */
export function directEvaluator(policy: LoadedPolicy): JsonEvaluator | null {
  const instance = policy.wasmInstance as unknown as { exports: Record<string, unknown> };
  const opaEval = instance.exports.opa_eval as OpaEval | undefined;
  if (Number(policy.minorVersion) < 2 || typeof opaEval !== 'function') return null;
  const entrypoints = policy.entrypoints as Record<string, number>;
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();

  return {
    evaluateJson(json, entrypoint) {
      const id = Object.hasOwn(entrypoints, entrypoint) ? entrypoints[entrypoint] : undefined;
      if (id === undefined)
        throw new Error(`entrypoint ${entrypoint} is not valid in this instance`);
      const memory = policy.mem as unknown as ModuleMemory;
      // Read on every call: loading other data moves the point where the input goes.
      const inputAddr = policy.dataHeapPtr as number;
      let encoded = encoder.encodeInto(json, new Uint8Array(memory.buffer, inputAddr));
      if (encoded.read < json.length) {
        // Did not fit: grow by exactly what the encoded input needs, then write it again.
        const needed = inputAddr + Buffer.byteLength(json, 'utf8') - memory.buffer.byteLength;
        memory.grow(Math.ceil(needed / PAGE));
        encoded = encoder.encodeInto(json, new Uint8Array(memory.buffer, inputAddr));
      }
      const { written } = encoded;
      const resultAddr = opaEval(
        0,
        id,
        policy.dataAddr,
        inputAddr,
        written,
        inputAddr + written,
        0,
      );
      // The evaluation may have grown the memory: take a fresh view of it.
      const bytes = new Uint8Array(memory.buffer);
      const end = bytes.indexOf(0, resultAddr);
      if (end < 0) throw new Error('policy result is not terminated');
      return decoder.decode(bytes.subarray(resultAddr, end));
    },
  };
}

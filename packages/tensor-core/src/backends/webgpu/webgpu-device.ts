import type { Device, DeviceInfo } from '../../device/device.js';
import { adapterSummary, describeAdapter, readLimits } from './adapter-description.js';
import { WebGpuBackend } from './webgpu-backend.js';

/** Options for acquiring a WebGPU device. */
export interface WebGpuDeviceOptions {
  /** Accept software adapters (lavapipe, SwiftShader); `auto` selection refuses them. */
  allowSoftware: boolean;
}

/** A WebGPU device wrapper; `gpu` pins the object from `webgpu`'s create(), which must outlive the device. */
export interface WebGpuDevice extends Device {
  readonly kind: 'webgpu';
  readonly backend: WebGpuBackend;
  /** Destroys the backend and the GPUDevice, then lets go of the GPU entry point. */
  destroy(): void;
}

interface GpuEntry {
  gpu: GPU;
  via: string;
}

/** The optional package that brings WebGPU to Node (Dawn); the version matches tensor-core's peerDependencies. */
export const DAWN_PACKAGE = { name: 'webgpu', version: '0.6.2' } as const;

/** Node's dawn module entry, kept alive for the process: collecting it crashes Dawn (see PLATFORM.md). */
let nodeGpu: GpuEntry | null = null;

/** The GPU entry point, or why there is none. */
async function gpuEntry(): Promise<GpuEntry | string> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return { gpu: nav.gpu, via: 'navigator.gpu' };
  const isNode = typeof process !== 'undefined' && Boolean(process.versions?.node);
  if (!isNode) return 'this browser has no navigator.gpu (WebGPU needs a secure context in a browser that ships it)';
  if (nodeGpu) return nodeGpu;
  // A computed specifier keeps bundlers from resolving the optional native module.
  const specifier: string = DAWN_PACKAGE.name;
  let mod: { create: (flags: string[]) => GPU; globals: object };
  try {
    mod = (await import(/* @vite-ignore */ specifier)) as typeof mod;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' && String((error as Error).message).includes(`'${specifier}'`)) {
      return `the optional package "${DAWN_PACKAGE.name}" (Dawn, WebGPU for Node) is not installed; add it with \`npm install ${DAWN_PACKAGE.name}@${DAWN_PACKAGE.version}\` (or pnpm add / yarn add)`;
    }
    return `the "${DAWN_PACKAGE.name}" package (Dawn) failed to load: ${(error as Error).message}`;
  }
  Object.assign(globalThis, mod.globals);
  nodeGpu = { gpu: mod.create([]), via: 'Dawn (node webgpu)' };
  return nodeGpu;
}

interface FoundAdapter {
  adapter: GPUAdapter;
  entry: GpuEntry;
  identity: ReturnType<typeof describeAdapter>;
}

async function findAdapter(): Promise<FoundAdapter | string> {
  const entry = await gpuEntry();
  if (typeof entry === 'string') return entry;
  const adapter = await entry.gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) return `no WebGPU adapter found through ${entry.via} (in Node, install a Vulkan driver such as Mesa lavapipe; see docs)`;
  return { adapter, entry, identity: describeAdapter(adapter) };
}

async function openDevice({ adapter, entry, identity }: FoundAdapter): Promise<WebGpuDevice> {
  const adapterLimits = readLimits(adapter.limits);
  const requiredLimits: Record<string, number> = {};
  for (const name of ['maxStorageBufferBindingSize', 'maxBufferSize', 'maxComputeWorkgroupStorageSize', 'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupsPerDimension', 'maxStorageBuffersPerShaderStage']) {
    if (adapterLimits[name] !== undefined) requiredLimits[name] = adapterLimits[name];
  }
  const requiredFeatures: GPUFeatureName[] = adapter.features.has('shader-f16') ? ['shader-f16'] : [];
  const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'loraflow' });
  const backend = new WebGpuBackend(device);
  let destroyed = false;
  device.lost.then((info) => {
    if (destroyed) return;
    const message = `device lost (${info.reason}): ${info.message}`;
    backend.fail(message);
    console.error(`[loraflow] webgpu ${message}`);
  });
  device.addEventListener('uncapturederror', (event) => {
    const message = `GPU error: ${(event as GPUUncapturedErrorEvent).error.message}`;
    backend.fail(message);
    console.error(`[loraflow] webgpu ${message}`);
  });
  const info: DeviceInfo = {
    kind: 'webgpu',
    summary: adapterSummary(identity, entry.via),
    adapter: identity,
    // What the adapter offers (the device enables shader-f16 from these when present).
    features: [...adapter.features].map(String).sort(),
    limits: readLimits(device.limits),
  };
  const wrapper: WebGpuDevice & { gpuEntry: GpuEntry } = {
    kind: 'webgpu',
    backend,
    gpuEntry: entry,
    info: () => info,
    destroy() {
      if (destroyed) return;
      destroyed = true;
      backend.destroy();
      device.destroy();
      opened = null;
      found = null;
    },
  };
  return wrapper;
}

let found: Promise<FoundAdapter | string> | null = null;
let opened: Promise<WebGpuDevice> | null = null;

/** A WebGPU device, or the reason there is none (one line, for the error a caller raises). */
export type WebGpuOutcome = { device: Device; reason?: undefined } | { device: null; reason: string };

/**
 * Opens the WebGPU device. One device per process: asking again returns the same device (until it
 * is destroyed), so every tensor can meet on it.
 */
export async function openWebGpu(opts: WebGpuDeviceOptions): Promise<WebGpuOutcome> {
  found ??= findAdapter();
  const adapter = await found;
  if (typeof adapter === 'string') return { device: null, reason: adapter };
  if (adapter.identity.software && !opts.allowSoftware) return { device: null, reason: `only a software adapter (${adapterSummary(adapter.identity, adapter.entry.via)}), which auto selection skips` };
  opened ??= openDevice(adapter);
  return { device: await opened };
}

import type { DeviceInfo } from '../../device/device.js';

/** Names that mark a CPU-emulated adapter in vendor / architecture / device / description strings. */
const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software|basic render|warp/i;

/** Limits copied into DeviceInfo and requested from the adapter (all of them where supported). */
export const LIMIT_NAMES = [
  'maxTextureDimension1D', 'maxTextureDimension2D', 'maxTextureDimension3D', 'maxTextureArrayLayers',
  'maxBindGroups', 'maxBindingsPerBindGroup', 'maxDynamicUniformBuffersPerPipelineLayout', 'maxDynamicStorageBuffersPerPipelineLayout',
  'maxSampledTexturesPerShaderStage', 'maxSamplersPerShaderStage', 'maxStorageBuffersPerShaderStage', 'maxStorageTexturesPerShaderStage',
  'maxUniformBuffersPerShaderStage', 'maxUniformBufferBindingSize', 'maxStorageBufferBindingSize', 'minUniformBufferOffsetAlignment',
  'minStorageBufferOffsetAlignment', 'maxVertexBuffers', 'maxBufferSize', 'maxVertexAttributes', 'maxVertexBufferArrayStride',
  'maxInterStageShaderVariables', 'maxColorAttachments', 'maxColorAttachmentBytesPerSample', 'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup', 'maxComputeWorkgroupSizeX', 'maxComputeWorkgroupSizeY', 'maxComputeWorkgroupSizeZ',
  'maxComputeWorkgroupsPerDimension',
] as const;

/** The adapter's identity as DeviceInfo reports it. */
export type AdapterIdentity = NonNullable<DeviceInfo['adapter']>;

/** Reads adapter info (older implementations expose isFallbackAdapter on the adapter itself). */
export function describeAdapter(adapter: GPUAdapter): AdapterIdentity {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const vendor = info?.vendor ?? '';
  const architecture = info?.architecture ?? '';
  const device = info?.device ?? '';
  const description = info?.description ?? '';
  const isFallbackAdapter = Boolean(info?.isFallbackAdapter ?? (adapter as GPUAdapter & { isFallbackAdapter?: boolean }).isFallbackAdapter);
  const software = isFallbackAdapter || SOFTWARE_NAMES.test(`${vendor} ${architecture} ${device} ${description}`);
  return { vendor, architecture, device, description, isFallbackAdapter, software };
}

/** The numeric limits of an adapter or device, by name. */
export function readLimits(limits: GPUSupportedLimits): Record<string, number> {
  const out: Record<string, number> = {};
  for (const name of LIMIT_NAMES) {
    const value = (limits as unknown as Record<string, unknown>)[name];
    if (typeof value === 'number') out[name] = value;
  }
  return out;
}

/** One line for logs, e.g. "webgpu: llvmpipe: Mesa 25.0.7 (LLVM 15.0.6) [mesa, software] via Dawn (node webgpu)". */
export function adapterSummary(id: AdapterIdentity, via: string): string {
  const name = id.description || id.device || id.architecture || 'unknown adapter';
  const tags = new Set([id.vendor, id.architecture, id.software ? 'software' : 'hardware'].filter((t) => t && t !== name));
  return `webgpu: ${name} [${[...tags].join(', ')}] via ${via}`;
}

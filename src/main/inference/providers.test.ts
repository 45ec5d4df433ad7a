import { describe, expect, it } from 'vitest';
import { inferenceBatchSize } from './providers';

describe('the batch size', () => {
  it('is small on the CPU and large on a GPU, unless CSRA_INFERENCE_BATCH says otherwise', () => {
    expect(inferenceBatchSize('cpu', {})).toBe(4);
    expect(inferenceBatchSize('webgpu', {})).toBe(32);
    expect(inferenceBatchSize('cuda', {})).toBe(32);
    expect(inferenceBatchSize('cpu', { CSRA_INFERENCE_BATCH: '2' })).toBe(2);
    expect(inferenceBatchSize('webgpu', { CSRA_INFERENCE_BATCH: '64' })).toBe(64);
    expect(inferenceBatchSize('cpu', { CSRA_INFERENCE_BATCH: 'many' })).toBe(4);
    expect(inferenceBatchSize('cpu', { CSRA_INFERENCE_BATCH: '0' })).toBe(4);
  });
});

import type { DetectionCase } from './case.js';
export async function runGateSample(_runs: DetectionCase[], _e: unknown): Promise<void> {}

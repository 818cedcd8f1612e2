// The GitOps apply engine's public surface.
export { applyObjects, defaultConcurrency, deleteObjects, readObjects } from './apply.js';
export type { ApplyOptions, ApplyReport, ObjectAction, ObjectResult } from './types.js';

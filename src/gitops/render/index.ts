// Rendering a Git checkout into Kubernetes manifests for GitSync.
export { RenderError, type RenderErrorReason } from './errors.js';
export { findKustomize, type KustomizeCommand } from './kustomize.js';
export { renderManifests, type RenderOptions } from './render.js';

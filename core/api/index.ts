/** The API module's public surface (isomorphic). */
export * from './types.js';
export * from './sluice-api.js';
export * from './client.js';
export * from './desktop.js';
export * from './har.js';

export type * from './types';
export { parseConfigText, applyOverrides, type ConfigParseResult, type ParseConfigOptions } from './parse';
export { formatDiagnostic, isConfigFileName } from './diagnostics';
export { configSchema, findSchemaNode, allowedKeys, type JsonSchemaNode, type JsonSchemaType } from './schema';
export { describeExpected } from './describe';
export { estimateParameters, estimateActivationBytes, MAX_PARAMETERS, MAX_ACTIVATION_BYTES } from './sizeEstimate';
export { isAbsolutePath, dirnamePath, resolvePath, normalizePath } from './paths';
export { editDistance, closestMatch } from './suggest';

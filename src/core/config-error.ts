/**
 * A setting or configuration file the operator must fix: the process exits with its message
 * instead of a stack. Thrown by whatever reads configuration (environment, trust lists, presets).
 */
export class ConfigError extends Error {}

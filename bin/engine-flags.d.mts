/** Node command-line flags for an engine process (see engine-flags.mjs for why). */
export declare const ENGINE_FLAGS: readonly string[];
/** The same flags as one `--js-flags=` switch, for Electron. */
export declare const ELECTRON_JS_FLAGS: string;

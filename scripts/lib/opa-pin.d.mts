// Types for opa-pin.mjs, which the tests import.
export const OPA_VERSION: string;
export const ENTRYPOINTS: string[];
export const REPO: string;
export const POLICY_DIR: string;
export const TOOLS_BIN: string;
export const LOCAL_OPA: string;
export const BUNDLE_MODE: string;
export function opaBuildArgs(outPath: string): string[];
export function opaVersion(bin: string): string | null;
export function findInstalledOpa(): { bin: string; version: string } | null;

// Types for prebuilt-policy.mjs, which the tests import.
export interface PrebuiltRecord {
  opa_version: string;
  entrypoints: string[];
  sources: string;
  revision: string;
}
export type PrebuiltFreshness =
  { fresh: true; record: PrebuiltRecord } | { fresh: false; reason: string };

export const PREBUILT_BUNDLE: string;
export const PREBUILT_RECORD: string;
export const PREBUILD_COMMAND: string;
export function policySourceFiles(dir?: string): string[];
export function policySourceDigest(dir?: string): string;
export function writePrebuiltRecord(values: { sources: string; revision: string }): PrebuiltRecord;
export function prebuiltFreshness(dir?: string): PrebuiltFreshness;

/** Types of scripts/vocabulary.mjs, for the test that checks the generated file is current. */
export const DATA_FILE: string;
export const GENERATED_FILE: string;
export function renderVocabulary(data: object): string;

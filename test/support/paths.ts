/** Where the test run keeps its compiled policy bundle and fixtures. */
import path from 'node:path';

export const TEST_BUNDLE = path.resolve('.build', 'test', 'bundle.tar.gz');
export const FIXTURE_DIRECTORY = path.resolve('test', 'support', 'fixtures', 'directory.yaml');

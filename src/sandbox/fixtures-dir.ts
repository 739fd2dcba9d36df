import { fileURLToPath } from 'node:url';

/**
 * The project's copy of the public test data (see fixtures/SOURCES.md for origins and licences). The sandbox
 * serves these by default, so `npm start` works on a fresh clone.
 */
export const fixturesDir = fileURLToPath(new URL('../../fixtures/', import.meta.url));
export const patientFixturesDir = `${fixturesDir}patients`;
export const directoryFixturesDir = `${fixturesDir}directory`;

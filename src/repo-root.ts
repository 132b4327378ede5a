import { basename, dirname, extname } from 'node:path';

/** The directory the compiled build is written to (`npm run build`, tsconfig.build.json's outDir). */
export const buildDir = 'dist';

// <root>/src from the TypeScript sources (tsx), <root>/dist/src from the compiled build.
const parent = dirname(import.meta.dirname);

/**
 * The clone's root, the same whether the code runs from its sources or from the build: what the build does not
 * compile (bin/gauntlet.js, fixtures/, package.json) is found from here, never from a module's own directory.
 */
export const repoRoot = basename(parent) === buildDir ? dirname(parent) : parent;

/** '.ts' when running from the sources, '.js' from the build: the extension of the product's own modules. */
export const moduleExtension = extname(import.meta.filename);

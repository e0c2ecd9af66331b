#!/usr/bin/env node
// The `sira-session` command. In a checkout it runs src/cli/main.ts directly (Node >= 22.18 strips types);
// in an installed package (no src/) it runs the compiled dist/cli/main.js.
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
const built = new URL('../dist/cli/main.js', import.meta.url);

async function load() {
  if (existsSync(source)) {
    try {
      return await import(source.href);
    } catch (err) {
      // An older Node without type stripping: fall back to a build when there is one.
      if (err?.code !== 'ERR_UNKNOWN_FILE_EXTENSION' || !existsSync(built)) throw err;
    }
  }
  return import(built.href);
}

const { main } = await load();
process.exit(await main(process.argv.slice(2)));

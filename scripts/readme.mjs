// Regenerates the README's generated parts from the built sources (`npm run readme` builds first):
// the table of fault kinds, from the registry (src/faults/kinds.ts via src/faults/docs.ts).
// test/unit/fault-kinds.test.ts fails while the README differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const { faultTable } = await import(join(root, 'dist/src/faults/docs.js'));
const path = join(root, 'README.md');
const readme = readFileSync(path, 'utf8');
const marked = /(<!-- fault kinds:[^\n]*-->\n)[\s\S]*?(\n<!-- end of fault kinds -->)/;
if (!marked.test(readme)) throw new Error('README.md has no fault kinds markers');
const next = readme.replace(marked, (_, open, close) => `${open}${faultTable()}${close}`);
writeFileSync(path, next);
console.log(next === readme ? 'README.md: the fault kinds table was current' : 'README.md: fault kinds table regenerated');

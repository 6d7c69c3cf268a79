/** analyzeBatch (src/worker.ts): what one thread does for a batch of files. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as zlib from 'zlib';
import { analyzeFileData } from './analyze';
import { analyzeBatch } from './worker';

const REPO = path.resolve(__dirname, '..');
const fixture = (m: string) => path.join(REPO, 'test/fixtures/modules/build', m, `${m}.ko`);

test('binaries read into the reused buffer keep facts of their own, equal to those of a fresh read', async () => {
  // Modules of different sizes and contents, one after the other in one batch: facts that kept
  // any part of the shared read buffer would show the bytes of the module read after them.
  const names = ['gpl_provider', 'clean_prop', 'clean_gpl', 'multi_license', 'nolic'];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-worker-'));
  try {
    const files = names.map((n) => ({ path: `${n}.ko`, absolute: fixture(n) }));
    // a compressed module in between is read into a buffer of its own (decompression may outlive the read)
    fs.writeFileSync(path.join(dir, 'clean_gpl.ko.gz'), zlib.gzipSync(fs.readFileSync(fixture('clean_gpl'))));
    files.splice(2, 0, { path: 'clean_gpl.ko.gz', absolute: path.join(dir, 'clean_gpl.ko.gz') });
    const batch = await analyzeBatch({ files, evidence: 'all' });
    expect(batch.errors).toEqual([]);
    expect(batch.facts.every((f) => f !== null)).toBe(true);
    for (const [i, f] of files.entries()) {
      const fresh = await analyzeFileData(f.path, fs.readFileSync(f.absolute), undefined, { sites: true });
      expect(fresh.kind).toBe('facts');
      expect(batch.facts[i]).toEqual((fresh as { facts: unknown }).facts);
    }
    expect(new Set(batch.facts.map((f) => JSON.stringify(f))).size).toBe(files.length);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

import * as fs from 'fs';
import * as path from 'path';
import { analyzeC } from './index';
import { CAnalyzerPool } from './pool';

const TESTDATA = path.join(__dirname, 'testdata');

test('analyzeC in worker threads gives the same facts as in the main thread', async () => {
  const names = fs.readdirSync(TESTDATA).filter((n) => /\.[ch]$/.test(n)).sort();
  const pool = new CAnalyzerPool({ threads: 2 });
  try {
    expect(pool.threads).toBe(2);
    const inWorkers = await Promise.all(
      names.flatMap((n) => {
        const bytes = fs.readFileSync(path.join(TESTDATA, n));
        // twice each, as Buffer and as string, interleaved across both workers
        return [pool.analyze(`testdata/${n}`, bytes), pool.analyze(`testdata/${n}`, bytes.toString('utf8'))];
      }),
    );
    const here = names.map((n) => analyzeC(`testdata/${n}`, fs.readFileSync(path.join(TESTDATA, n))));
    for (let i = 0; i < names.length; i++) {
      expect(inWorkers[2 * i]).toEqual(here[i]);
      const { hash: _hash, ...rest } = here[i];
      expect(inWorkers[2 * i + 1]).toEqual(rest);
    }
  } finally {
    await pool.close();
  }
  await expect(pool.analyze('x.c', 'int x;')).rejects.toThrow('closed');
}, 60000);

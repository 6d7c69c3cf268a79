import rule from './source-binary-mismatch';
import { runRuleTests } from '../test/rule-tester';

const F = 'test/fixtures/modules';
const both = (name: string, extra: string[] = []) => ({
  binaries: [`${F}/build/${name}/${name}.ko`, ...extra],
});

// Sources are read from the fixture tree into the case, so the analysers see real files.
import * as fs from 'fs';
import * as path from 'path';
import { REPO } from '../test/rule-tester';
const sources = (name: string, edit?: (text: string) => string) => {
  const dir = path.join(REPO, F, 'src', name);
  const files: Record<string, string> = {};
  for (const f of fs.readdirSync(dir)) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    files[`${F}/src/${name}/${f}`] = edit && f.endsWith('.c') ? edit(text) : text;
  }
  return files;
};

runRuleTests(rule, {
  valid: [
    { name: 'binary only: nothing to compare', ...both('gpl_shim') },
    { name: 'sources only: nothing to compare', files: sources('gpl_shim') },
    { name: 'GPL shim: every import has a source call', files: sources('gpl_shim'), ...both('gpl_shim') },
    {
      // kzalloc() and pr_info() are a static inline function and a macro of the kernel headers:
      // the inline reach table names kmalloc_trace, kmalloc_caches and _printk for them, and
      // the branches of kmalloc() the compiler did not take (__kmalloc, kmalloc_large) are no mismatch.
      name: 'imports that come from header inline functions and macros are explained by the reach table',
      files: sources('clean_prop'),
      ...both('clean_prop'),
    },
  ],
  invalid: [
    {
      name: 'a binary import no source call names (the call was removed from the source after the build)',
      files: sources('clean_prop', (t) => t.replace('\tmsleep(1);\n', '')),
      ...both('clean_prop'),
      errors: [{ unit: 'clean_prop', symbol: 'msleep', message: /the binary imports msleep but no source call names it/ }],
    },
    {
      name: 'a call the binary does not have (the source changed after the build)',
      files: sources('gpl_shim', (t) => t.replace(/\n}\s*\nEXPORT_SYMBOL/, '\n\tsynchronize_rcu();\n}\nEXPORT_SYMBOL')),
      ...both('gpl_shim'),
      errors: [{ unit: 'gpl_shim', symbol: 'synchronize_rcu', message: /the source calls synchronize_rcu but the binary does not import it/ }],
    },
  ],
});

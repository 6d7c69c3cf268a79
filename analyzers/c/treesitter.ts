/**
 * The tree-sitter modules, loaded once per process (per thread).
 *
 * tree-sitter 0.25's JS wrapper must not be evaluated twice in one process: a second evaluation
 * reads back the getters the first one installed on the native classes instead of the native
 * methods, after which `tree.rootNode` is undefined for every tree (its own comments mention the
 * Jest worker race). Jest evaluates modules afresh for every test file run in a worker
 * process, so the first loaded instance is kept on a process-wide holder: a core module object,
 * which all module registries share, under a global-registry symbol. Worker threads have
 * their own core modules and load their own instance, as they must.
 */
import type ParserNs = require('tree-sitter');

type TreeSitter = { Parser: typeof ParserNs; C: ParserNs.Language };

const KEY = Symbol.for('gplcheck.analyzers.c.tree-sitter');
const holder = require('os') as unknown as Record<symbol, TreeSitter | undefined>;

export function treeSitter(): TreeSitter {
  let ts = holder[KEY];
  if (!ts) {
    ts = {
      Parser: require('tree-sitter') as typeof ParserNs,
      C: require('tree-sitter-c') as ParserNs.Language,
    };
    holder[KEY] = ts;
  }
  return ts;
}

/**
 * Which scanned source files make up which unit.
 *
 * groupSources(files, builds, facts?):
 * 1. Kbuild modules: each object `x.o` of a module names `x.c` in the makefile's directory
 *    (paths relative to it); kbuild's generated `<module>.mod.c` joins the module too. The same
 *    module named by a Kbuild and a Makefile of one directory is one group.
 * 2. Userspace programs of plain Makefiles: their `.o`/`.c` prerequisites (or `<name>.c`).
 * 3. Headers (and included `.c` files): with `facts`, a file joins every group one of whose files
 *    includes it, transitively (resolution as in resolveInclude; a kernel, UAPI or C library
 *    header `<...>` found only by the end of its path is not followed: it is the kernel's, not the
 *    unit's, as `<linux/slab.h>` is when a whole kernel tree is scanned). Without `facts`, a header joins
 *    the only build group of its directory, when there is exactly one.
 * 4. Every file named by none of the above is grouped by directory (name: the directory's base name).
 * A file may be in several groups (an object shared by two modules, a header of two modules).
 * Groups and their files are sorted, so the result does not depend on the input order.
 */
import * as path from 'path';
import type { BuildFacts, CFileFacts, IncludeFact } from '../facts';

export interface SourceGroup {
  name: string;
  kind: 'module' | 'program' | 'directory';
  /** Directory of the makefile (module/program) or of the files (directory group). */
  dir: string;
  files: string[];
  /** The makefile(s) that define the unit. */
  builds?: string[];
}

const norm = (p: string): string => path.normalize(p);

/** Index of scanned files for include resolution. */
export class FileIndex {
  readonly set: Set<string>;
  private readonly byBase = new Map<string, string[]>();

  constructor(files: Iterable<string>) {
    this.set = new Set([...files].map(norm));
    for (const f of this.set) {
      const b = path.basename(f);
      const list = this.byBase.get(b);
      if (list) list.push(f);
      else this.byBase.set(b, [f]);
    }
  }

  has(p: string): boolean {
    return this.set.has(norm(p));
  }

  /** The only scanned file whose path ends with `/target`, if exactly one. */
  bySuffix(target: string): string | undefined {
    const t = norm(target);
    const list = this.byBase.get(path.basename(t));
    if (!list) return undefined;
    const hits = list.filter((f) => f === t || f.endsWith(path.sep + t));
    return hits.length === 1 ? hits[0] : undefined;
  }
}

/** Build files by the directory that holds them, made once per list of builds. */
const buildsByDir = new WeakMap<BuildFacts[], Map<string, { b: BuildFacts; i: number }[]>>();

function buildIndex(builds: BuildFacts[]): Map<string, { b: BuildFacts; i: number }[]> {
  let idx = buildsByDir.get(builds);
  if (!idx) {
    idx = new Map();
    for (let i = 0; i < builds.length; i++) {
      const b = builds[i];
      const d = path.dirname(norm(b.path));
      const list = idx.get(d);
      if (list) list.push({ b, i });
      else idx.set(d, [{ b, i }]);
    }
    buildsByDir.set(builds, idx);
  }
  return idx;
}

/**
 * Include directories (absolute or relative to the cwd, like the paths) that apply to a file:
 * those of the makefiles in its directory and every directory above it, nearest last (as
 * before: in the order of the builds list). Looks up the file's ancestors, not every makefile,
 * so a whole kernel tree costs files x depth, not files x makefiles.
 */
export function includeDirsFor(file: string, builds: BuildFacts[]): string[] {
  const idx = buildIndex(builds);
  const found: { b: BuildFacts; i: number }[] = [];
  let dir = path.dirname(norm(file));
  for (;;) {
    const here = idx.get(dir);
    if (here) found.push(...here);
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  if (found.length === 0) return [];
  found.sort((x, y) => x.i - y.i);
  const out: string[] = [];
  for (const { b } of found) {
    const bdir = path.dirname(norm(b.path));
    for (const d of b.includeDirs ?? []) out.push(path.isAbsolute(d) ? d : path.join(bdir, d));
  }
  return out;
}

/**
 * Resolve one include of `includer` among the scanned files: quoted ones relative to the
 * includer's directory first; then the `-I` directories of its makefile; then, as a last
 * resort, the only scanned file whose path ends with the target. `local` is true for the
 * first two (the file is the unit's own), false for a suffix match.
 */
export function resolveInclude(
  includer: string,
  inc: Pick<IncludeFact, 'target' | 'system'>,
  index: FileIndex,
  includeDirs: string[],
): { path: string; local: boolean } | undefined {
  if (!inc.system) {
    const rel = norm(path.join(path.dirname(includer), inc.target));
    if (index.has(rel)) return { path: rel, local: true };
  }
  for (const d of includeDirs) {
    const p = norm(path.join(d, inc.target));
    if (index.has(p)) return { path: p, local: true };
  }
  const s = index.bySuffix(inc.target);
  return s ? { path: s, local: false } : undefined;
}

export function groupSources(files: string[], builds: BuildFacts[], facts?: CFileFacts[]): SourceGroup[] {
  const index = new FileIndex(files);
  const groups = new Map<string, SourceGroup & { members: Set<string> }>();
  const claimed = new Set<string>();

  const groupFor = (key: string, name: string, kind: SourceGroup['kind'], dir: string, build?: string) => {
    let g = groups.get(key);
    if (!g) {
      g = { name, kind, dir, files: [], members: new Set<string>() };
      groups.set(key, g);
    }
    if (build) {
      g.builds ??= [];
      if (!g.builds.includes(build)) g.builds.push(build);
    }
    return g;
  };
  const add = (g: { members: Set<string> }, f: string): void => {
    g.members.add(f);
    claimed.add(f);
  };

  for (const b of [...builds].sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0))) {
    const dir = path.dirname(norm(b.path));
    for (const m of b.modules) {
      const g = groupFor(`module\u0000${path.join(dir, m.name)}`, m.name, 'module', dir, b.path);
      for (const o of m.objects) {
        const c = norm(path.join(dir, o.replace(/\.o$/, '.c')));
        if (index.has(c)) add(g, c);
      }
      const modc = norm(path.join(dir, `${m.name}.mod.c`));
      if (index.has(modc)) add(g, modc);
    }
    for (const p of b.userspacePrograms) {
      const g = groupFor(`program\u0000${path.join(dir, p.name)}`, p.name, 'program', dir, b.path);
      const objs = p.objects && p.objects.length > 0 ? p.objects : [`${p.name}.o`];
      for (const o of objs) {
        const c = norm(path.join(dir, o.replace(/\.o$/, '.c')));
        if (index.has(c)) add(g, c);
      }
    }
  }

  // headers
  if (facts) {
    const byPath = new Map(facts.map((f) => [norm(f.path), f]));
    const resolvedCache = new Map<string, string[]>();
    const includesOf = (file: string): string[] => {
      let r = resolvedCache.get(file);
      if (r) return r;
      r = [];
      const f = byPath.get(file);
      if (f) {
        const dirs = includeDirsFor(file, builds);
        for (const inc of f.includes) {
          const hit = resolveInclude(file, inc, index, dirs);
          // A kernel or C library header found only by the end of its path (`<linux/slab.h>`
          // -> include/linux/slab.h of a scanned kernel tree) is the kernel's, not the unit's:
          // the linker reaches its inline functions and macros through the kernel knowledge.
          if (hit && hit.path !== file && (hit.local || inc.category === 'local')) r.push(hit.path);
        }
      }
      resolvedCache.set(file, r);
      return r;
    };
    for (const g of groups.values()) {
      const queue = [...g.members];
      while (queue.length > 0) {
        const f = queue.pop()!;
        for (const h of includesOf(f)) {
          if (g.members.has(h)) continue;
          add(g, h);
          queue.push(h);
        }
      }
    }
  } else {
    const byDir = new Map<string, (SourceGroup & { members: Set<string> })[]>();
    for (const g of groups.values()) {
      if (g.members.size === 0) continue;
      const list = byDir.get(g.dir) ?? [];
      list.push(g);
      byDir.set(g.dir, list);
    }
    for (const f of index.set) {
      if (claimed.has(f) || !f.endsWith('.h')) continue;
      const list = byDir.get(path.dirname(f));
      if (list && list.length === 1) add(list[0], f);
    }
  }

  // the rest, by directory
  for (const f of [...index.set].sort()) {
    if (claimed.has(f)) continue;
    const dir = path.dirname(f);
    const g = groupFor(`directory\u0000${dir}`, path.basename(dir) || dir, 'directory', dir);
    g.members.add(f);
  }

  const out: SourceGroup[] = [];
  for (const g of groups.values()) {
    if (g.members.size === 0) continue;
    const sg: SourceGroup = { name: g.name, kind: g.kind, dir: g.dir, files: [...g.members].sort() };
    if (g.builds) sg.builds = g.builds.slice().sort();
    out.push(sg);
  }
  out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.dir < b.dir ? -1 : a.dir > b.dir ? 1 : 0));
  return out;
}

/**
 * Set `resolved` on includes found among the scanned files, and make `local` those resolved
 * relative to the includer or through its makefile's `-I` directories (a unit's own header, or
 * its private copy of a Linux header). Returns new fact objects where something changed.
 */
export function resolveLocalIncludes(files: CFileFacts[], builds: BuildFacts[] = [], scanned?: Iterable<string>): CFileFacts[] {
  const index = new FileIndex(scanned ?? files.map((f) => f.path));
  return files.map((f) => {
    const dirs = includeDirsFor(f.path, builds);
    let changed = false;
    const includes = f.includes.map((inc) => {
      const hit = resolveInclude(norm(f.path), inc, index, dirs);
      if (!hit) return inc;
      changed = true;
      const out: IncludeFact = { ...inc, resolved: hit.path };
      if (hit.local) out.category = 'local';
      return out;
    });
    return changed ? { ...f, includes } : f;
  });
}

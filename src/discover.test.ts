import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { DiscoveryStream, discover, leftOutCount, noneLeftOut } from './discover';

let root: string;
let outside: string;

beforeAll(() => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-discover-'));
  root = path.join(base, 'tree');
  outside = path.join(base, 'outside');
  fs.mkdirSync(path.join(root, 'src/sub'), { recursive: true });
  fs.mkdirSync(path.join(root, 'build'), { recursive: true });
  fs.mkdirSync(path.join(root, 'vendor/lib'), { recursive: true });
  fs.mkdirSync(outside, { recursive: true });
  fs.writeFileSync(path.join(root, 'src/a.c'), 'int a;\n');
  fs.writeFileSync(path.join(root, 'src/sub/b.c'), 'int b;\n');
  fs.writeFileSync(path.join(root, 'src/sub/b.o'), 'x');
  fs.writeFileSync(path.join(root, 'src/sub/.gitignore'), '*.o\n');
  fs.writeFileSync(path.join(root, '.gitignore'), '/build/\n');
  fs.writeFileSync(path.join(root, 'build/out.ko'), 'x');
  fs.writeFileSync(path.join(root, 'vendor/lib/v.c'), 'int v;\n');
  fs.writeFileSync(path.join(outside, 'secret.c'), 'int secret;\n');
  fs.symlinkSync(outside, path.join(root, 'link-out'));
  fs.symlinkSync(path.join(root, 'src'), path.join(root, 'src/sub/loop'));
  fs.symlinkSync(path.join(root, 'src/a.c'), path.join(root, 'a-again.c'));
});

afterAll(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));

const rel = (files: { path: string }[]) => files.map((f) => path.relative(root, path.resolve(root, f.path))).sort();

test('respects .gitignore files at every level, reports links out of the root, cuts loops', () => {
  const d = discover([root], { cwd: root });
  expect(rel(d.files)).toEqual(['.gitignore', 'src/a.c', 'src/sub/.gitignore', 'src/sub/b.c', 'vendor/lib/v.c']);
  expect(d.leftOut).toEqual({ ...noneLeftOut(), gitignore: 2 }); // build/ and src/sub/b.o
  expect(d.errors).toEqual([
    { path: 'link-out', message: expect.stringMatching(/^symbolic link to .*outside leads outside the scan root .*; not followed$/) },
  ]);
});

test('--no-gitignore scans ignored files too', () => {
  const d = discover([root], { cwd: root, gitignore: false });
  expect(rel(d.files)).toContain('build/out.ko');
  expect(rel(d.files)).toContain('src/sub/b.o');
});

test('--exclude globs: paths relative to the root, bare names anywhere', () => {
  const d = discover([root], { cwd: root, exclude: ['vendor/**', '*.gitignore'] });
  expect(rel(d.files)).toEqual(['src/a.c', 'src/sub/b.c']);
  // vendor/ and both .gitignore files by --exclude (read all the same), build/ and b.o by them
  expect(d.leftOut).toEqual({ ...noneLeftOut(), exclude: 3, gitignore: 2 });
});

test('version-control metadata, node_modules and what is not a file are left out and counted, never silently', async () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-leftout-'));
  const server = net.createServer();
  try {
    for (const d of ['.git/objects', '.hg', '.svn', 'node_modules/x', 'sub/node_modules', 'wt']) fs.mkdirSync(path.join(base, d), { recursive: true });
    fs.writeFileSync(path.join(base, '.git/objects/pack.c'), 'int x;\n');
    fs.writeFileSync(path.join(base, 'node_modules/x/index.c'), 'int y;\n');
    fs.writeFileSync(path.join(base, 'wt/.git'), 'gitdir: ../.git/worktrees/wt\n'); // a worktree's .git is a file
    fs.writeFileSync(path.join(base, 'wt/a.c'), 'int a;\n');
    execFileSync('mkfifo', [path.join(base, 'wt/fifo')]);
    await new Promise<void>((resolve) => server.listen(path.join(base, 'sock'), resolve));
    const d = discover(['.'], { cwd: base });
    expect(d.files.map((f) => f.path)).toEqual(['wt/a.c']);
    expect(d.errors).toEqual([]);
    expect(d.leftOut).toEqual({ ...noneLeftOut(), metadata: 6, special: 2 });
    expect(leftOutCount(d.leftOut)).toBe(8);
    // an --exclude that matches comes first
    expect(discover(['.'], { cwd: base, exclude: ['wt/**'] }).leftOut).toEqual({ ...noneLeftOut(), metadata: 5, exclude: 1, special: 1 });
    // given as an input, what is not a file is an error: it was asked for
    expect(discover(['wt/fifo', 'sock'], { cwd: base })).toEqual({
      files: [],
      errors: [
        { path: 'wt/fifo', message: 'not a file or directory (a FIFO); not read' },
        { path: 'sock', message: 'not a file or directory (a socket); not read' },
      ],
      leftOut: noneLeftOut(),
    });
    // a root given by its name is walked
    expect(discover(['node_modules'], { cwd: base }).files.map((f) => f.path)).toEqual(['node_modules/x/index.c']);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    fs.rmSync(base, { recursive: true, force: true });
  }
});

test('a missing input is an error naming it', () => {
  const d = discover(['nope/nothing'], { cwd: root });
  expect(d.errors).toEqual([{ path: 'nope/nothing', message: 'cannot read: no such file or directory' }]);
  expect(d.files).toEqual([]);
});

describe('DiscoveryStream: the walk as files are taken', () => {
  test('walk order: each directory in name order, depth first; files reached by a link last, and only if not reached directly', () => {
    const s = new DiscoveryStream([root], { cwd: root });
    const order = [...s].map((f) => f.path);
    expect(order).toEqual(['.gitignore', 'src/a.c', 'src/sub/.gitignore', 'src/sub/b.c', 'vendor/lib/v.c']);
    expect(s.leftOut).toEqual({ ...noneLeftOut(), gitignore: 2 });
    expect(s.errors).toHaveLength(1);
    // the same tree, the direct file out of reach: the link's file is given, at the end
    const only = new DiscoveryStream([root], { cwd: root, exclude: ['src/a.c'] });
    expect([...only].map((f) => f.path)).toEqual(['.gitignore', 'src/sub/.gitignore', 'src/sub/b.c', 'vendor/lib/v.c', 'a-again.c']);
  });

  test('the walk runs as files are taken: a directory is listed only when the walk reaches it', () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-stream-'));
    try {
      fs.mkdirSync(path.join(base, 'a'));
      fs.mkdirSync(path.join(base, 'z'));
      fs.writeFileSync(path.join(base, 'a/1.c'), '');
      fs.writeFileSync(path.join(base, 'a/2.c'), '');
      const s = new DiscoveryStream(['.'], { cwd: base });
      const it = s[Symbol.iterator]();
      expect(it.next().value?.path).toBe('a/1.c');
      expect(s.errors).toEqual([]);
      // made after the first file was taken: z/ has not been listed yet, a/ has
      fs.writeFileSync(path.join(base, 'z/late.c'), '');
      fs.writeFileSync(path.join(base, 'a/3.c'), '');
      fs.rmSync(path.join(base, 'a/2.c'));
      const rest: string[] = [];
      for (let r = it.next(); !r.done; r = it.next()) rest.push(r.value.path);
      expect(rest).toEqual(['a/2.c', 'z/late.c']);
    } finally {
      fs.rmSync(base, { recursive: true, force: true });
    }
  });

  test('errors and exclusions are counted as the walk meets them; a stream is walked once', () => {
    const s = new DiscoveryStream(['nope', root], { cwd: root, exclude: ['vendor/**'] });
    const it = s[Symbol.iterator]();
    expect(s.errors).toEqual([]);
    it.next();
    expect(s.errors).toEqual([{ path: 'nope', message: 'cannot read: no such file or directory' }]);
    while (!it.next().done);
    expect(s.errors.map((e) => e.path)).toEqual(['nope', 'link-out']);
    expect(s.leftOut).toEqual({ ...noneLeftOut(), gitignore: 2, exclude: 1 }); // build/, src/sub/b.o; vendor/
    expect(() => [...s]).toThrow('DiscoveryStream: the walk runs once; it has been taken already');
  });
});

test('leaveOut: a directory below a root is not walked and is counted as left out, also when reached through a link, or made after the walk began; a root itself is walked', () => {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'gplcheck-leave-'));
  try {
    fs.mkdirSync(path.join(base, 'src'));
    fs.mkdirSync(path.join(base, 'cache/results'), { recursive: true });
    fs.writeFileSync(path.join(base, 'src/a.c'), '');
    fs.writeFileSync(path.join(base, 'cache/results/x.head'), '');
    // met first (names in order), and through a link
    fs.symlinkSync(path.join(base, 'cache'), path.join(base, 'a-link'));
    const d = discover(['.'], { cwd: base, leaveOut: [path.join(base, 'cache')] });
    expect(d.files.map((f) => f.path)).toEqual(['src/a.c']);
    expect(d.leftOut).toEqual({ ...noneLeftOut(), cache: 1 }); // a-link (cache/ is the same directory, walked already)
    expect(d.errors).toEqual([]);
    // not there when the walk begins, made before the walk reaches it: left out all the same
    const later = path.join(base, 'src/later');
    const s = new DiscoveryStream(['.'], { cwd: base, leaveOut: [later] });
    const it = s[Symbol.iterator]();
    expect(it.next().value?.path).toBe('a-link/results/x.head');
    fs.mkdirSync(later);
    fs.writeFileSync(path.join(later, 'b.c'), '');
    const rest: string[] = [];
    for (let r = it.next(); !r.done; r = it.next()) rest.push(r.value.path);
    expect(rest).toEqual(['src/a.c']); // cache/ is a-link again, walked already
    expect(s.leftOut).toEqual({ ...noneLeftOut(), cache: 1 }); // src/later
    // scanning the directory itself reads it
    expect(discover(['cache'], { cwd: base, leaveOut: [path.join(base, 'cache')] }).files.map((f) => f.path)).toEqual(['cache/results/x.head']);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});

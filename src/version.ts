import * as fs from 'fs';
import * as path from 'path';

function findPackageJson(): { name: string; version: string } {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const p = path.join(dir, 'package.json');
    if (fs.existsSync(p)) return JSON.parse(fs.readFileSync(p, 'utf8'));
    dir = path.dirname(dir);
  }
  return { name: 'gplcheck', version: '0.0.0' };
}

const pkg = findPackageJson();
export const TOOL = { name: pkg.name, version: pkg.version };
export const PACKAGE_ROOT = (() => {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    dir = path.dirname(dir);
  }
  return process.cwd();
})();

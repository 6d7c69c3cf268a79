/** Command lines of the build scripts: `--key value` pairs only. */
export function keyValueArgs(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--') || i + 1 >= argv.length) throw new Error(`bad argument ${a}`);
    out[a.slice(2)] = argv[++i];
  }
  return out;
}

import type { ExportType } from '../analyzers/facts';

/** One export of a kernel build, as Module.symvers lists it. */
export interface KernelExport {
  symbol: string;
  type: ExportType;
  /** Empty or absent when the export has no namespace. */
  namespace?: string;
  /** `vmlinux` or the path of the module without `.ko`, as in Module.symvers (e.g. `drivers/net/foo`). */
  module: string;
  crc?: number;
  /**
   * `EXPORT_SYMBOL_FOR_MODULES` (6.16+): the in-tree modules allowed to use the export,
   * parsed from a `module:a,b` namespace column (the raw column stays in `namespace`).
   */
  forModules?: string[];
}

/** Where a database came from, so a report can say exactly what it was checked against. */
export interface KernelDbMeta {
  format: 'gplcheck-kernel-symbols';
  formatVersion: number;
  /** Short name used on the command line: `6.1`, `5.10`, `vendor-foo`. */
  name: string;
  /** Kernel release, e.g. `6.1.0-56-amd64`. */
  kernel: string;
  /** Upstream version series, e.g. `6.1`. */
  version: string;
  arch: string;
  source: {
    kind: 'debian-package' | 'module.symvers';
    /** Debian package name and version, when it came from one. */
    package?: string;
    packageVersion?: string;
    /** Debian suite the package was taken from, e.g. `bookworm-security`. */
    suite?: string;
    /** The Module.symvers path it was imported from (relative or as given). */
    file?: string;
    /** sha256 of the Module.symvers bytes. */
    sha256?: string;
  };
  counts: { total: number; gpl: number; plain: number; namespaced: number; namespaces: number; vmlinux: number; modules: number };
}

export interface KernelSymbolDb {
  readonly meta: KernelDbMeta;
  lookup(symbol: string): KernelExport | undefined;
  readonly size: number;
  symbols(): Iterable<KernelExport>;
}

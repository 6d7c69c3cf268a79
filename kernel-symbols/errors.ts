/**
 * Typed errors of the kernel export database. Every one names the file (and line, when there
 * is one) so a caller can print it as is and carry on with the rest of a scan.
 */
export class KernelSymbolsError extends Error {
  constructor(
    message: string,
    readonly code: 'symvers-syntax' | 'symvers-read' | 'db-format' | 'db-read' | 'db-unknown' | 'db-import',
    readonly file?: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** A Module.symvers line that is not `CRC<TAB>symbol<TAB>module<TAB>EXPORT_SYMBOL[_GPL]<TAB>namespace`. */
export class SymversSyntaxError extends KernelSymbolsError {
  constructor(file: string, line: number, problem: string) {
    super(`${file}:${line}: ${problem}`, 'symvers-syntax', file, line);
  }
}

/** A database file that is not ours, is of a newer format, or is damaged. */
export class DatabaseFormatError extends KernelSymbolsError {
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`, 'db-format', file);
  }
}

/** `loadDatabase(name)` with a name no shipped or user database has. */
export class UnknownDatabaseError extends KernelSymbolsError {
  constructor(
    readonly requested: string,
    readonly known: readonly string[],
  ) {
    super(
      `unknown kernel symbol database '${requested}'; known: ${known.length ? known.join(', ') : '(none)'}` +
        ' (import one with importSymvers / a Module.symvers path)',
      'db-unknown',
    );
  }
}

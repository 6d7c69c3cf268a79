// Boots vmkernel for real (QEMU TCG with AMD SVM, Debian's cloud kernel, KVM inside) and checks
// the Linux 6.1 loader's verdicts on the three modules, the VMM's self-test, and the nested guest.
// Takes about 20-40 s once the Debian packages are cached (see vmkernel/README.md).

import { existsSync, readFileSync } from 'fs';
import * as path from 'path';

import {
  BootResult,
  BootTestError,
  NESTED_MARKER,
  findInheritTaintRefusal,
  parseBootEvents,
  parseTaintFlags,
  runBootTest,
} from './boot';

jest.setTimeout(420_000);

let result: BootResult;

beforeAll(async () => {
  result = await runBootTest({ onLog: (l) => process.stderr.write(`${l}\n`) });
  // The nested guest's marker, as the outer console showed it, goes into the CI log.
  process.stdout.write(`nested guest console: ${result.nested.markerLine ?? '(marker not seen)'}\n`);
  process.stdout.write(
    `boot test: qemu ${result.seconds.qemu}s (nested guest ${result.nested.seconds}s), total ${result.seconds.total}s\n`,
  );
});

describe('the QEMU guest', () => {
  test('runs the cloud kernel with SVM and gets /dev/kvm from the kvm modules', () => {
    expect(result.kernelRelease).toMatch(/^6\.1\.0-\d+-cloud-amd64$/);
    expect(result.qemuExitCode).toBe(0);
    expect(result.svm).toBe(true);
    expect(result.kvmModules.map((m) => m.module)).toEqual(expect.arrayContaining(['kvm', 'kvm_amd']));
    expect(result.kvmModules.filter((m) => !m.ok)).toEqual([]);
    expect(result.devKvm).toBe(true);
    expect(result.finished).toBe(true);
  });
});

describe('the Linux loader', () => {
  test('loads the GPL shim without the P taint', () => {
    const shim = result.modules.vmk_shim;
    expect(shim.loaded).toBe(true);
    expect(shim.taintFlags.proprietary).toBe(false);
    // Out-of-tree and unsigned, as any module built outside Debian.
    expect(shim.taintFlags.outOfTree).toBe(true);
    expect(shim.taintedAfter & 1).toBe(0);
    expect(shim.dmesg).toContain('vmk_shim: vmk API version 1 ready');
  });

  test('loads the proprietary core, which taints the kernel P', () => {
    const core = result.modules.vmk_core;
    expect(core.loaded).toBe(true);
    expect(core.taintFlags.proprietary).toBe(true);
    expect(core.taintedBefore & 1).toBe(0);
    expect(core.taintedAfter & 1).toBe(1);
    expect(core.dmesg).toContain("vmk_core: module license 'Proprietary' taints kernel.");
    // The core's own line: it ran its scheduler tick and probed a PCI device through the shim.
    expect(core.dmesg.some((l) => /^vmk_core: vmkernel core \S+ loaded for 'vmkernel': .* ticks in /.test(l))).toBe(true);
  });

  test("refuses the GPL module that uses GPL-only symbols and the core's export (inherit_taint)", () => {
    const refuse = result.modules.vmk_refuse;
    expect(refuse.loaded).toBe(false);
    expect(refuse.insmodError).toMatch(/can't insert/);
    expect(refuse.inheritTaintRefusal).toEqual({
      module: 'vmk_refuse',
      symbols: 'vmkcore_world_count',
      owner: 'vmk_core',
      line: 'vmk_refuse: module using GPL-only symbols uses symbols vmkcore_world_count from proprietary module vmk_core.',
    });
  });

  test('the loaded .ko files are kept for comparison', () => {
    for (const m of Object.values(result.modules)) {
      expect(existsSync(m.koPath)).toBe(true);
      expect(readFileSync(m.koPath).subarray(0, 4).toString('latin1')).toBe('\x7fELF');
    }
    expect(existsSync(path.join(result.outDir, 'result.json'))).toBe(true);
  });
});

describe('the VMM', () => {
  test('passes its real-mode self-test', () => {
    expect(result.selftest.exitCode).toBe(0);
    expect(result.selftest.ok).toBe(true);
    expect(result.selftest.output).toContain('OK\n');
  });

  test('boots the same Linux kernel nested, whose /init prints the marker, and exits 0', () => {
    expect(result.nested.markerSeen).toBe(true);
    expect(result.nested.markerLine).toBe(NESTED_MARKER);
    expect(result.nested.output).toContain(NESTED_MARKER);
    expect(result.nested.exitCode).toBe(0);
    expect(result.nested.output).toContain('vmm: guest reset or powered off');
  });
});

describe('parseBootEvents', () => {
  const events = () => readFileSync(path.join(result.outDir, 'events.jsonl'), 'utf8');

  test('reads back the same result from events.jsonl', () => {
    const again = parseBootEvents(events(), result.outDir);
    expect(again).toEqual(result);
  });

  test('names the file and the line of a line that is not JSON', () => {
    const lines = events().split('\n');
    lines.splice(2, 0, 'VMKJSON {"event":"module","module":"vmk_core"');
    expect(() => parseBootEvents(lines.join('\n'), '/out')).toThrow(BootTestError);
    expect(() => parseBootEvents(lines.join('\n'), '/out')).toThrow(/events\.jsonl: line 3 is not JSON/);
  });

  test('says which event is missing when the guest stopped early', () => {
    const cut = events()
      .split('\n')
      .filter((l) => !l.includes('"event":"nested"'))
      .join('\n');
    expect(() => parseBootEvents(cut, '/out')).toThrow(/no "nested" event/);
  });

  test('decodes taint flags and the inherit_taint message', () => {
    expect(parseTaintFlags('POE')).toEqual({ proprietary: true, outOfTree: true, unsigned: true, forced: false, staging: false });
    expect(findInheritTaintRefusal('vmk_refuse', ['vmk_refuse: Unknown symbol x (err -2)'])).toBeNull();
  });
});

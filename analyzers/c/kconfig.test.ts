/** analyzeKconfig: option types. */
import { analyzeKconfig, isKconfigName } from './kconfig';

test('config and menuconfig entries with their types; help text and other statements are not read as types', () => {
  const f = analyzeKconfig(
    'fs/Kconfig',
    [
      'menu "File systems"',
      'config AIO',
      '\tbool "Enable AIO support" if EXPERT # a comment',
      '\tdefault y',
      '\thelp',
      '\t  tristate in help text is not a type',
      'menuconfig EXT4_FS',
      '\ttristate "The Extended 4 (ext4) filesystem"',
      'config EXT4_DEBUG',
      '\tdef_bool n',
      'config LOG_BUF',
      '\tint "Buffer size" \\',
      '\t  if PRINTK',
      'config NO_TYPE',
      '\tselect FOO',
      'config OLD',
      '\tboolean',
      'config T2',
      '\tdef_tristate m',
      'endmenu',
    ].join('\n'),
  );
  expect(f.analyzer).toBe('kbuild');
  expect(f.modules).toEqual([]);
  expect(f.configOptions!.map((o) => [o.name, o.type, o.location.line])).toEqual([
    ['AIO', 'bool', 2],
    ['EXT4_FS', 'tristate', 7],
    ['EXT4_DEBUG', 'bool', 9],
    ['LOG_BUF', 'int', 11],
    ['OLD', 'bool', 16],
    ['T2', 'tristate', 18],
  ]);
  expect(isKconfigName('Kconfig')).toBe(true);
  expect(isKconfigName('Kconfig.debug')).toBe(true);
  expect(isKconfigName('Kconfig-old')).toBe(false);
});

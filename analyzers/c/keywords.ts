/**
 * Word lists the C analyser relies on. Kept in one place so the rules are visible and documented.
 */

/** C keywords (C11/C23 plus GNU spellings): never a callee, never a function used as a value. */
export const C_KEYWORDS: ReadonlySet<string> = new Set([
  'auto', 'break', 'case', 'char', 'const', 'continue', 'default', 'do', 'double', 'else', 'enum',
  'extern', 'float', 'for', 'goto', 'if', 'inline', 'int', 'long', 'register', 'restrict', 'return',
  'short', 'signed', 'sizeof', 'static', 'struct', 'switch', 'typedef', 'union', 'unsigned', 'void',
  'volatile', 'while', '_Alignas', '_Alignof', '_Atomic', '_Bool', '_Complex', '_Generic',
  '_Imaginary', '_Noreturn', '_Static_assert', '_Thread_local', 'alignas', 'alignof', 'bool',
  'constexpr', 'false', 'true', 'nullptr', 'thread_local', 'typeof', 'typeof_unqual',
  '__inline', '__inline__', '__forceinline', '__restrict', '__restrict__', '__volatile',
  '__volatile__', '__const', '__const__', '__signed__', '__thread', '__extension__', '__label__',
  'asm', '__asm', '__asm__', '__attribute', '__attribute__', '__declspec', '__typeof',
  '__typeof__', '__typeof_unqual__', '__auto_type', '__alignof', '__alignof__', '__int128',
]);

/**
 * Names that look like calls (`name(`) but are not calls of anything at run time: operators and
 * compile-time constructs. Together with every `__builtin_*` name (compiler built-ins such as
 * `__builtin_constant_p`, `__builtin_expect`, `__builtin_offsetof`) and the C keywords above.
 * - `sizeof`, `_Alignof`/`alignof`/`__alignof__`, `typeof`/`__typeof__`/`typeof_unqual`: operators
 *   on types or unevaluated operands.
 * - `__attribute__`, `__declspec`, `asm`/`__asm__`, `_Generic`, `_Static_assert`/`static_assert`,
 *   `offsetof`, `__has_attribute`/`__has_builtin`/`__has_include`/`__has_feature`, `defined`.
 * - `va_start`/`va_arg`/`va_end`/`va_copy`: compiler built-ins behind `<stdarg.h>`.
 */
export const NOT_CALLS: ReadonlySet<string> = new Set([
  'static_assert', 'offsetof', 'defined', '__has_attribute', '__has_builtin', '__has_include',
  '__has_include_next', '__has_feature', '__has_extension', '__has_c_attribute',
  'va_start', 'va_arg', 'va_end', 'va_copy', '__va_copy',
]);

export function isNotCall(name: string): boolean {
  return C_KEYWORDS.has(name) || NOT_CALLS.has(name) || name.startsWith('__builtin_');
}

/**
 * Kernel annotation macros (from the 6.1 tree's compiler_attributes.h, compiler_types.h, init.h,
 * cache.h, linkage.h, kprobes.h and friends) that expand to attributes, section placement or
 * sparse address-space markers. tree-sitter does not know they are macros and loses whole
 * function headers on them (`static int __init foo(void)` parses as two broken declarations), so
 * the pre-pass replaces them by blanks of the same length before parsing. Positions do not move.
 *
 * `bare`: the word alone. `args`: the word and a balanced `( ... )` that follows it.
 */
export const ANNOTATIONS_BARE: ReadonlySet<string> = new Set([
  '__init', '__exit', '__initdata', '__exitdata', '__initconst', '__exitconst', '__initrodata',
  '__init_or_module', '__initdata_or_module', '__exitused', '__exit_call', '__devinit', '__devexit',
  '__devinitdata', '__devinitconst', '__devexitdata', '__cpuinit', '__cpuinitdata', '__cpuexit',
  '__meminit', '__meminitdata', '__meminitconst', '__memexit', '__init_memblock', '__initdata_memblock',
  '__ref', '__refdata', '__refconst', '__net_init', '__net_exit', '__net_initdata', '__sched',
  '__kprobes', '__cold', '__hot', '__weak', '__pure', '__packed', '__used', '__maybe_unused',
  '__always_unused', '__unused', '__visible', '__noreturn', '__malloc', '__must_check',
  '__deprecated', '__user', '__kernel', '__iomem', '__percpu', '__rcu', '__force', '__bitwise',
  '__nocast', '__safe', '__private', '__read_mostly', '__ro_after_init', '__latent_entropy',
  '__randomize_layout', '__no_randomize_layout', '__cacheline_aligned', '__cacheline_aligned_in_smp',
  '____cacheline_aligned', '____cacheline_aligned_in_smp', '____cacheline_internodealigned_in_smp',
  '__page_aligned_data', '__page_aligned_bss', '__lockfunc', '__irq_entry', '__softirq_entry',
  '__attribute_const__', '__flatten', '__naked', '__nocfi', '__noclone', '__noipa', '__no_kcsan',
  '__no_sanitize_address', '__no_sanitize_thread', '__no_sanitize_undefined', '__no_sanitize_memory',
  '__no_sanitize_coverage', '__no_sanitize_or_inline', '__no_kasan_or_inline', '__no_kmsan_checks',
  '__no_stack_protector', '__no_profile', '__noscs', '__noretpoline', '__no_caller_saved_registers',
  '__nosavedata', '__cpuidle', '__gnu_inline', '__designated_init', '__nonstring', '__fix_address',
  '__annotate_jump_table', '__uninitialized', '__aligned_largest', '__overloadable', '__ksym',
  '__kfunc', '__bpf_kfunc', '__assume_kmalloc_alignment', '__assume_slab_alignment',
  '__assume_page_alignment', '__exit_refok', '__init_refok',
  'notrace', 'noinstr', 'asmlinkage', 'noinline', 'noinline_for_stack', '__noinline',
  '__visible_for_testing', '__weak_alias',
]);

export const ANNOTATIONS_ARGS: ReadonlySet<string> = new Set([
  '__alloc_size', '__alloc_size__', '__realloc_size', '__printf', '__scanf', '__section',
  '__section__', '__aligned', '__aligned__', '__acquires', '__releases', '__must_hold',
  '__cond_acquires', '__counted_by', '__compiletime_error', '__compiletime_warning', '__cleanup',
  '__alias', '__copy', '__mode', '__assume_aligned', '__diagnose_as', '__pass_object_size',
  'BTF_TYPE_TAG', '__btf_type_tag',
]);

/** Annotations that mean `inline`: replaced by the word `inline` (padded) so `inline` is kept. */
export const ANNOTATIONS_INLINE: ReadonlySet<string> = new Set([
  '__always_inline', 'nokprobe_inline', '__inline_maybe_unused',
]);

/*
 * smelt.h — the smelt runtime's C API.
 *
 * Two ways to use a compiled module from C:
 *
 * 1. Typed (recommended): `smelt compile mod.wasm -o mod.o --header mod.h`
 *    writes a header declaring one C function per export
 *    (`smelt_w_mod_add(instance, 1, 2)`), `smelt_mod_mod_instantiate` and
 *    `smelt_mod_mod_free`, and the functions the program defines for the
 *    module's imports. Include it after (or instead of) this file.
 *
 * 2. Generic: any object from `smelt compile` defines
 *    `smelt_mod_<name>_descriptor`; smelt_rt_instantiate() and
 *    smelt_rt_call() below work by name with smelt_rt_val arrays:
 *
 *     extern const char smelt_mod_mod_descriptor[];
 *     smelt_rt_trap *trap = NULL;
 *     smelt_rt_instance *inst = smelt_rt_instantiate(smelt_mod_mod_descriptor, &trap);
 *     smelt_rt_val args[2] = {SMELT_I32(1), SMELT_I32(2)}, res[1];
 *     trap = smelt_rt_call(inst, "add", args, 2, res, 1);
 *     if (trap) { fputs(smelt_rt_trap_report(trap), stderr); smelt_rt_trap_free(trap); }
 *     smelt_rt_instance_free(inst);
 *
 * Link with the runtime: cc main.c mod.o $(smelt config --cflags --libs).
 *
 * Threads: an instance is used by one thread at a time (any thread). For
 * several threads, give each its own instance; they can share a memory
 * made with smelt_rt_shared_memory_new() that each instance imports.
 */
#ifndef SMELT_H
#define SMELT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** An instance of a module, with the store that owns it. */
typedef struct smelt_rt_instance smelt_rt_instance;
/** A trap (or an instantiation failure). Free with smelt_rt_trap_free. */
typedef struct smelt_rt_trap smelt_rt_trap;

/** A memory: an instance's export, or one the program made to import. */
typedef struct smelt_rt_memory smelt_rt_memory;
/** A table exported by an instance. */
typedef struct smelt_rt_table smelt_rt_table;

/** A wasm v128 value, passed like the compiler's 16-byte vectors. */
#if defined(__GNUC__) || defined(__clang__)
typedef int64_t smelt_rt_v128 __attribute__((vector_size(16)));
#else
typedef struct smelt_rt_v128 { _Alignas(16) uint64_t lanes[2]; } smelt_rt_v128;
#endif

/** Value kinds of smelt_rt_val. */
enum { SMELT_KIND_I32 = 0, SMELT_KIND_I64 = 1, SMELT_KIND_F32 = 2, SMELT_KIND_F64 = 3 };

/** A wasm value. */
typedef struct smelt_rt_val {
  uint8_t kind;
  union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
  } of;
} smelt_rt_val;

#define SMELT_I32(v) ((smelt_rt_val){.kind = SMELT_KIND_I32, .of = {.i32 = (v)}})
#define SMELT_I64(v) ((smelt_rt_val){.kind = SMELT_KIND_I64, .of = {.i64 = (v)}})
#define SMELT_F32(v) ((smelt_rt_val){.kind = SMELT_KIND_F32, .of = {.f32 = (v)}})
#define SMELT_F64(v) ((smelt_rt_val){.kind = SMELT_KIND_F64, .of = {.f64 = (v)}})

/** Trap kinds (smelt_rt_trap_kind). Same numbers as the runtime's TrapKind. */
enum {
  SMELT_TRAP_UNREACHABLE = 1,
  SMELT_TRAP_MEMORY_OUT_OF_BOUNDS = 2,
  SMELT_TRAP_INTEGER_DIVIDE_BY_ZERO = 3,
  SMELT_TRAP_INTEGER_OVERFLOW = 4,
  SMELT_TRAP_INVALID_CONVERSION_TO_INTEGER = 5,
  SMELT_TRAP_INDIRECT_CALL_TO_NULL = 6,
  SMELT_TRAP_INDIRECT_CALL_SIGNATURE_MISMATCH = 7,
  SMELT_TRAP_TABLE_OUT_OF_BOUNDS = 8,
  SMELT_TRAP_UNDEFINED_ELEMENT = 9,
  SMELT_TRAP_STACK_OVERFLOW = 10,
  SMELT_TRAP_OUT_OF_MEMORY = 11,
  SMELT_TRAP_UNCAUGHT_EXCEPTION = 12,
  SMELT_TRAP_HOST_ERROR = 13,
  SMELT_TRAP_NULL_REFERENCE = 14,
  SMELT_TRAP_UNALIGNED_ATOMIC = 15,
  SMELT_TRAP_INTERRUPTED = 16,
  SMELT_TRAP_NULL_FUNCTION_REFERENCE = 17,
  SMELT_TRAP_EXPECTED_SHARED_MEMORY = 18,
  SMELT_TRAP_OUT_OF_FUEL = 19,
  SMELT_TRAP_CUSTOM = 200,
};

/**
 * Instantiates the module whose descriptor is `descriptor`, running its
 * start function. Returns NULL on failure; then, if `trap_out` is not
 * NULL, `*trap_out` describes why.
 */
smelt_rt_instance *smelt_rt_instantiate(const void *descriptor, smelt_rt_trap **trap_out);

/** Frees an instance (NULL is ignored). */
void smelt_rt_instance_free(smelt_rt_instance *instance);

/**
 * Calls the exported function `name` with `nargs` arguments, writing up to
 * `nresults` results. Returns NULL on success, or a trap to free.
 *
 *     smelt_rt_val r;
 *     smelt_rt_trap *t = smelt_rt_call(inst, "fib", &SMELT_I32(10), 1, &r, 1);
 */
smelt_rt_trap *smelt_rt_call(smelt_rt_instance *instance, const char *name,
                             const smelt_rt_val *args, size_t nargs,
                             smelt_rt_val *results, size_t nresults);

/**
 * The exported memory `name` (NULL if there is none). The handle belongs
 * to the instance.
 *
 *     smelt_rt_memory *mem = smelt_rt_instance_memory(inst, "memory");
 *     printf("%s\n", (const char *)smelt_rt_memory_data(mem) + 16);
 */
smelt_rt_memory *smelt_rt_instance_memory(smelt_rt_instance *instance, const char *name);

/** The trap's kind, one of SMELT_TRAP_*. */
uint8_t smelt_rt_trap_kind(const smelt_rt_trap *trap);

/** The trap's message, e.g. "integer divide by zero". */
const char *smelt_rt_trap_message(const smelt_rt_trap *trap);

/**
 * The trap's full report: "error: wasm trap: MESSAGE" and one line per
 * wasm frame, "  N: 0xOFFSET - module!function", with function names
 * demangled (see smelt_rt_trap_frame_demangled_name).
 */
const char *smelt_rt_trap_report(const smelt_rt_trap *trap);

/**
 * The code a host function gave a SMELT_TRAP_CUSTOM trap (0 otherwise).
 *
 *     if (smelt_rt_trap_kind(t) == SMELT_TRAP_CUSTOM && smelt_rt_trap_custom_code(t) == 7) ...
 */
uint32_t smelt_rt_trap_custom_code(const smelt_rt_trap *trap);

/** One frame of a trap's wasm backtrace. */
typedef struct smelt_rt_frame {
  /** Name of the module (valid until the trap is freed). */
  const char *module;
  /** Function index in the module. */
  uint32_t func_index;
  /**
   * Name from the name section as it is there (for Rust or C++ code a
   * mangled symbol such as "_ZNK8geometry5Shape4areaEi"), or NULL.
   */
  const char *func_name;
  /** Byte offset of the trapping (frame 0) or calling instruction, or UINT32_MAX. */
  uint32_t wasm_offset;
} smelt_rt_frame;

/**
 * Copies up to `max` backtrace frames, innermost first, into `out` (which
 * may be NULL to only count) and returns the total number of frames.
 *
 *     smelt_rt_frame f[16];
 *     size_t n = smelt_rt_trap_backtrace(t, f, 16);
 *     for (size_t i = 0; i < n && i < 16; i++)
 *       printf("%zu: 0x%x - %s!%s\n", i, f[i].wasm_offset, f[i].module,
 *              f[i].func_name ? f[i].func_name : "?");
 */
size_t smelt_rt_trap_backtrace(const smelt_rt_trap *trap, smelt_rt_frame *out, size_t max);

/**
 * The raw name of backtrace frame `index` (0 is the innermost): the
 * frame's func_name, exactly as the name section has it. NULL when the
 * function has no name or there is no frame `index`. Valid until the trap
 * is freed.
 *
 *     const char *raw = smelt_rt_trap_frame_func_name(t, 0);   // "_ZNK8geometry5Shape4areaEi"
 */
const char *smelt_rt_trap_frame_func_name(const smelt_rt_trap *trap, size_t index);

/**
 * The readable name of backtrace frame `index`, as the report prints it:
 * a Rust (legacy or v0) or C++ Itanium mangling demangled, Rust names
 * without their hash; any other name, a malformed mangling, or a
 * demangling longer than 64 KiB as it is (then the same pointer as
 * smelt_rt_trap_frame_func_name). NULL when the function has no name or
 * there is no frame `index`. A runtime built without demangling
 * (docs/cross.md "Small executables") returns the raw names. Valid until
 * the trap is freed.
 *
 *     for (size_t i = 0; i < smelt_rt_trap_backtrace(t, NULL, 0); i++) {
 *       const char *name = smelt_rt_trap_frame_demangled_name(t, i);
 *       printf("%zu: %s\n", i, name ? name : "?");   // "0: geometry::Shape::area(int) const"
 *     }
 */
const char *smelt_rt_trap_frame_demangled_name(const smelt_rt_trap *trap, size_t index);

/** Frees a trap (NULL is ignored). */
void smelt_rt_trap_free(smelt_rt_trap *trap);

/** What a trap handler decides (its return value). */
enum {
  /** Return the trap from smelt_rt_call (the default without handlers). */
  SMELT_RECOVER_PROPAGATE = 0,
  /** Print the trap's report to stderr and abort the process. */
  SMELT_RECOVER_ABORT = 1,
  /** Make smelt_rt_call succeed with the values written to `results`. */
  SMELT_RECOVER_RETURN = 2,
};

/**
 * A trap handler. `results` has room for the trapping function's
 * `nresults` results, pre-set to zero; write them before returning
 * SMELT_RECOVER_RETURN. `trap` is only valid during the call.
 */
typedef int (*smelt_rt_trap_handler)(const smelt_rt_trap *trap, void *user,
                                     smelt_rt_val *results, size_t nresults);

/**
 * Pushes a trap handler on the instance's handler stack; the innermost
 * handler whose filter matches a trap decides. `kind` is a SMELT_TRAP_*
 * kind or 0 for every trap; with SMELT_TRAP_CUSTOM, `custom_code` picks
 * one code (UINT32_MAX: all). Returns an id for
 * smelt_rt_trap_handler_remove.
 *
 *     static int zero_on_div(const smelt_rt_trap *t, void *u, smelt_rt_val *r, size_t n) {
 *       if (n == 1) r[0] = SMELT_I32(0);
 *       return SMELT_RECOVER_RETURN;
 *     }
 *     smelt_rt_trap_handler_push(inst, SMELT_TRAP_INTEGER_DIVIDE_BY_ZERO, 0, zero_on_div, NULL);
 */
uint64_t smelt_rt_trap_handler_push(smelt_rt_instance *instance, uint8_t kind,
                                    uint32_t custom_code, smelt_rt_trap_handler handler,
                                    void *user);

/**
 * Removes the innermost handler. Returns 1 if there was one.
 *
 *     smelt_rt_trap_handler_pop(inst);
 */
int smelt_rt_trap_handler_pop(smelt_rt_instance *instance);

/**
 * Removes the handler with id `id`. Returns 1 if it was registered.
 *
 *     uint64_t id = smelt_rt_trap_handler_push(inst, 0, 0, h, NULL);
 *     smelt_rt_trap_handler_remove(inst, id);
 */
int smelt_rt_trap_handler_remove(smelt_rt_instance *instance, uint64_t id);

/* ---- Typed calls: traps ------------------------------------------------ */

/**
 * Takes this thread's pending trap: the trap of the last typed call
 * (`smelt_w_<mod>_<export>(...)`) if it trapped, else NULL. A typed call
 * that traps returns zeros; its trap stays pending until taken or until
 * the next typed call on this thread. Free the result with
 * smelt_rt_trap_free.
 *
 *     int32_t q = smelt_w_calc_divide(calc, 1, 0);
 *     smelt_rt_trap *t = smelt_rt_take_trap();
 *     if (t) { fprintf(stderr, "%s", smelt_rt_trap_report(t)); smelt_rt_trap_free(t); }
 */
smelt_rt_trap *smelt_rt_take_trap(void);

/**
 * Makes a trap of kind SMELT_TRAP_CUSTOM, with `code` and `message` (may be
 * NULL), this thread's pending trap. A function defining an import calls
 * it and returns: the wasm code that called the import stops there and
 * its caller gets the trap.
 *
 *     int32_t smelt_w_env_checked_sqrt(struct smelt_w_env *env, int32_t x) {
 *       if (x < 0) { smelt_rt_raise_trap(1, "negative input"); return 0; }
 *       return (int32_t)sqrt(x);
 *     }
 */
void smelt_rt_raise_trap(uint32_t code, const char *message);

/* ---- Memories ---------------------------------------------------------- */

/**
 * A new memory of `min_pages` 64 KiB pages, growing up to `max_pages`
 * (UINT64_MAX: no maximum), for modules that import a memory. NULL if it
 * cannot be reserved. Free the handle with smelt_rt_memory_delete; the
 * memory itself lives on while instances import it.
 *
 *     smelt_rt_memory *mem = smelt_rt_memory_new(1, UINT64_MAX);
 */
smelt_rt_memory *smelt_rt_memory_new(uint64_t min_pages, uint64_t max_pages);

/**
 * A new shared memory (threads proposal; `max_pages` is required). Instances
 * on several threads import the same memory and see each other's writes;
 * use it with one instance per thread.
 *
 *     smelt_rt_memory *shared = smelt_rt_shared_memory_new(1, 16);
 *     // each thread: smelt_mod_worker_instantiate(&ctx_returning_shared, &trap)
 */
smelt_rt_memory *smelt_rt_shared_memory_new(uint64_t min_pages, uint64_t max_pages);

/**
 * Frees a handle from smelt_rt_memory_new or smelt_rt_shared_memory_new
 * (not one an instance handed out). NULL is ignored.
 *
 *     smelt_rt_memory_delete(mem);
 */
void smelt_rt_memory_delete(smelt_rt_memory *memory);

/**
 * The memory's first byte. It never moves, also when the memory grows, so
 * the pointer stays valid while the memory lives.
 *
 *     memcpy(smelt_rt_memory_data(mem) + 1024, "hello", 5);
 */
uint8_t *smelt_rt_memory_data(const smelt_rt_memory *memory);

/**
 * The memory's current length in bytes (wasm addresses below it are valid).
 *
 *     size_t len = smelt_rt_memory_length(mem);
 */
size_t smelt_rt_memory_length(const smelt_rt_memory *memory);

/**
 * The memory's current size in pages.
 *
 *     uint64_t pages = smelt_rt_memory_pages(mem);
 */
uint64_t smelt_rt_memory_pages(const smelt_rt_memory *memory);

/**
 * Grows the memory by `delta_pages` (as `memory.grow`): the old size in
 * pages, or -1 if it cannot grow that much.
 *
 *     if (smelt_rt_memory_grow(mem, 1) < 0) puts("memory is full");
 */
int64_t smelt_rt_memory_grow(const smelt_rt_memory *memory, uint64_t delta_pages);

/* ---- The host heap: allocating buffers in a memory ---------------------- */

/** Error codes of the heap functions. */
enum {
  SMELT_ALLOC_OK = 0,
  /** No free block fits and the memory cannot grow enough. */
  SMELT_ALLOC_OUT_OF_MEMORY = 1,
  /** The block at that address is already free. */
  SMELT_ALLOC_DOUBLE_FREE = 2,
  /** Not an address smelt_rt_memory_alloc returned. */
  SMELT_ALLOC_INVALID_ADDRESS = 3,
  /** The alignment is not a power of two. */
  SMELT_ALLOC_INVALID_ALIGNMENT = 4,
  /** The region is outside the memory or overlaps the heap. */
  SMELT_ALLOC_INVALID_REGION = 5,
};

/**
 * Allocates `size` bytes aligned to `align` (a power of two; at least 8 is
 * used) in the memory and returns their wasm address, or 0 on failure
 * (with the reason in `*error` if `error` is not NULL). The heap uses only
 * pages it adds with `memory.grow` and regions given with
 * smelt_rt_memory_add_heap_region, never memory the module may be using;
 * its bookkeeping lives outside the memory, so the module cannot corrupt
 * it. If the module exports its own allocator (`malloc`/`free`,
 * `cabi_realloc`), prefer that: the module may then free the buffer itself.
 *
 *     uint64_t at = smelt_rt_memory_alloc(mem, 5, 1, NULL);
 *     memcpy(smelt_rt_memory_data(mem) + at, "hello", 5);
 *     smelt_w_app_print(app, (int32_t)at, 5);
 *     smelt_rt_memory_free(mem, at);
 */
uint64_t smelt_rt_memory_alloc(const smelt_rt_memory *memory, uint64_t size, uint64_t align,
                               int *error);

/**
 * Frees a block smelt_rt_memory_alloc returned: SMELT_ALLOC_OK, or
 * SMELT_ALLOC_DOUBLE_FREE / SMELT_ALLOC_INVALID_ADDRESS.
 *
 *     int e = smelt_rt_memory_free(mem, at);
 *     if (e) fprintf(stderr, "free: %s\n", smelt_rt_alloc_error_message(e));
 */
int smelt_rt_memory_free(const smelt_rt_memory *memory, uint64_t addr);

/**
 * Gives the heap the bytes [start, start + len) of the memory, e.g. all of
 * a memory the program made only for buffers. SMELT_ALLOC_OK or
 * SMELT_ALLOC_INVALID_REGION.
 *
 *     smelt_rt_memory_add_heap_region(mem, 0, smelt_rt_memory_length(mem));
 */
int smelt_rt_memory_add_heap_region(const smelt_rt_memory *memory, uint64_t start, uint64_t len);

/**
 * A description of a SMELT_ALLOC_* code (a static string).
 *
 *     puts(smelt_rt_alloc_error_message(SMELT_ALLOC_DOUBLE_FREE));   // "double free"
 */
const char *smelt_rt_alloc_error_message(int code);

/* ---- Tables ------------------------------------------------------------- */

/**
 * The number of elements of an exported table.
 *
 *     uint64_t n = smelt_rt_table_size(smelt_w_mod_table(instance));
 */
uint64_t smelt_rt_table_size(const smelt_rt_table *table);

/* ---- Used by the code of generated headers ------------------------------ */

/**
 * What `smelt_mod_<mod>_instantiate` calls: instantiates the module with
 * one pointer per import (in import order): a function import's context,
 * or what a memory or global import's accessor returned.
 */
smelt_rt_instance *smelt_rt_instantiate_linked(const void *descriptor, void *const *imports,
                                               size_t nimports, smelt_rt_trap **trap_out);

/**
 * What `smelt_w_<mod>_<export>` calls for a function: calls function
 * `func_index` with its arguments in `values` (16 bytes each) and writes
 * its results there; a trap leaves zeros and becomes the pending trap.
 */
void smelt_rt_invoke(smelt_rt_instance *instance, uint32_t func_index, void *values);

/**
 * What `smelt_w_<mod>_<export>` calls for a memory, table or global: its
 * handle (or the address of the global's value), by export index.
 */
void *smelt_rt_instance_export(smelt_rt_instance *instance, uint32_t export_index);
/* ------------------------------------------------------------------------
 * Interruption and timeouts. Only code compiled with interruption checks
 * (`smelt compile --interruptible`) notices them: it traps with
 * SMELT_TRAP_INTERRUPTED at the next function entry or loop iteration.
 * ------------------------------------------------------------------------ */

/** Interrupts an instance's calls from any thread. */
typedef struct smelt_rt_interrupt_handle smelt_rt_interrupt_handle;

/**
 * A handle to interrupt `instance`'s calls from another thread. It may
 * outlive the instance; free it with smelt_rt_interrupt_handle_free.
 *
 *     smelt_rt_interrupt_handle *h = smelt_rt_interrupt_handle_new(inst);
 *     // in a watchdog thread:
 *     smelt_rt_interrupt(h);
 */
smelt_rt_interrupt_handle *smelt_rt_interrupt_handle_new(const smelt_rt_instance *instance);

/**
 * Interrupts the running call (or, if none, the next one). Thread-safe.
 *
 *     smelt_rt_interrupt(h);
 */
void smelt_rt_interrupt(const smelt_rt_interrupt_handle *handle);

/** Frees an interrupt handle (NULL is ignored). */
void smelt_rt_interrupt_handle_free(smelt_rt_interrupt_handle *handle);

/**
 * Limits each later call into `instance` to `ms` milliseconds of wall
 * clock (0: no limit). Returns 0, or -1 if the module was compiled
 * without interruption checks.
 *
 *     if (smelt_rt_set_timeout_ms(inst, 500) != 0) fprintf(stderr, "recompile with --interruptible\n");
 */
int smelt_rt_set_timeout_ms(smelt_rt_instance *instance, uint64_t ms);

/* ------------------------------------------------------------------------
 * Fuel. Code compiled with fuel metering (`smelt compile --fuel-metering`)
 * uses one unit of fuel per wasm instruction it executes, and a call that
 * runs out traps with SMELT_TRAP_OUT_OF_FUEL ("all fuel consumed"),
 * checked at function entries and loop headers: the same count compiled
 * and interpreted (docs/rust-api.md, "Fuel").
 * ------------------------------------------------------------------------ */

/**
 * Sets the fuel remaining for `instance`'s calls to `fuel` units. Returns
 * 0, or -1 if the module was compiled without fuel metering.
 *
 *     if (smelt_rt_set_fuel(inst, 1000000) != 0) fprintf(stderr, "recompile with --fuel-metering\n");
 */
int smelt_rt_set_fuel(smelt_rt_instance *instance, uint64_t fuel);

/** Adds `fuel` units (saturating). Returns 0, or -1 as smelt_rt_set_fuel. */
int smelt_rt_add_fuel(smelt_rt_instance *instance, uint64_t fuel);

/**
 * Writes the fuel remaining to `*fuel` and returns 0, or returns -1 if
 * fuel was never set for `instance`.
 *
 *     uint64_t left;
 *     if (smelt_rt_get_fuel(inst, &left) == 0) printf("%llu left\n", (unsigned long long)left);
 */
int smelt_rt_get_fuel(const smelt_rt_instance *instance, uint64_t *fuel);

#ifdef __cplusplus
}
#endif

#endif /* SMELT_H */

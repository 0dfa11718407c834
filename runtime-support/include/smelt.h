/*
 * smelt.h — the smelt runtime's C API.
 *
 * A module compiled with `smelt compile mod.wasm -o mod.o` defines the
 * symbol `smelt_mod_<name>_descriptor`. Link `mod.o` with the runtime
 * (`libsmelt_runtime.a -lpthread -ldl -lm`) and:
 *
 *     extern const char smelt_mod_mod_descriptor[];
 *     smelt_rt_trap *trap = NULL;
 *     smelt_rt_instance *inst = smelt_rt_instantiate(smelt_mod_mod_descriptor, &trap);
 *     smelt_rt_val args[2] = {SMELT_I32(1), SMELT_I32(2)}, res[1];
 *     trap = smelt_rt_call(inst, "add", args, 2, res, 1);
 *     if (trap) { fputs(smelt_rt_trap_report(trap), stderr); smelt_rt_trap_free(trap); }
 *     smelt_rt_instance_free(inst);
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

/** The bytes of the exported memory `name` (NULL if none); sets `*len`. */
uint8_t *smelt_rt_memory(smelt_rt_instance *instance, const char *name, size_t *len);

/** The trap's kind, one of SMELT_TRAP_*. */
uint8_t smelt_rt_trap_kind(const smelt_rt_trap *trap);

/** The trap's message, e.g. "integer divide by zero". */
const char *smelt_rt_trap_message(const smelt_rt_trap *trap);

/**
 * The trap's full report: "error: wasm trap: MESSAGE" and one line per
 * wasm frame, "  N: 0xOFFSET - module!function".
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
  /** Name from the name section, or NULL. */
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

#ifdef __cplusplus
}
#endif

#endif /* SMELT_H */

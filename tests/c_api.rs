//! The typed C API (`smelt compile --header`) in C programs linked with the
//! system C compiler: typed calls of every value type, imports defined in
//! C, several modules in one program (one importing another's exports, two
//! with the same export names, two instances of one module), traps
//! crossing modules, handlers, memories, globals, the host heap, and a
//! shared memory used by instances on several threads.

use std::process::Command;

const COUNTER: &str = r#"
(module
  (import "env" "log" (func $log (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 0) "counter")
  (global $count (export "count") (mut i32) (i32.const 0))
  (global (export "step") i32 (i32.const 1))
  (func (export "inc") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (global.get $count))
  (func (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func (export "divmod") (param i32 i32) (result i32 i32)
    (i32.div_u (local.get 0) (local.get 1))
    (i32.rem_u (local.get 0) (local.get 1)))
  (func (export "mix")
    (param i32 i64 f32 f64 i32 i64 f32 f64 i32 i64) (result f64)
    (f64.add
      (f64.add
        (f64.add (f64.convert_i32_s (local.get 0)) (f64.convert_i64_s (local.get 1)))
        (f64.add (f64.promote_f32 (local.get 2)) (local.get 3)))
      (f64.add
        (f64.add (f64.convert_i32_s (local.get 4)) (f64.convert_i64_s (local.get 5)))
        (f64.add
          (f64.add (f64.promote_f32 (local.get 6)) (local.get 7))
          (f64.add (f64.convert_i32_s (local.get 8)) (f64.convert_i64_s (local.get 9)))))))
  (func (export "vadd") (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (local.get 1)))
  (func (export "report") (call $log (global.get $count)))
)
"#;

/// Same export names as `counter`, different behaviour.
const OTHER: &str = r#"
(module
  (memory (export "memory") 1)
  (data (i32.const 0) "other")
  (global $count (export "count") (mut i32) (i32.const 100))
  (func (export "inc") (result i32)
    (global.set $count (i32.add (global.get $count) (i32.const 10)))
    (global.get $count))
)
"#;

/// Imports `counter`'s exports: linked, they are counter's own functions.
const USER: &str = r#"
(module
  (import "counter" "inc" (func $inc (result i32)))
  (import "counter" "divide" (func $divide (param i32 i32) (result i32)))
  (import "counter" "divmod" (func $divmod (param i32 i32) (result i32 i32)))
  (import "counter" "memory" (memory 1))
  (import "counter" "count" (global $count (mut i32)))
  (import "counter" "step" (global $step i32))
  (func (export "inc_twice") (result i32)
    (drop (call $inc))
    (call $inc))
  (func (export "peek") (result i32) (i32.load8_u (i32.const 0)))
  (func (export "poke") (param i32) (i32.store8 (i32.const 0) (local.get 0)))
  (func (export "count") (result i32) (global.get $count))
  (func (export "reset") (global.set $count (global.get $step)))
  (func (export "fail") (result i32) (call $divide (i32.const 1) (i32.const 0)))
  (func (export "dm_sum") (param i32 i32) (result i32)
    (call $divmod (local.get 0) (local.get 1))
    (i32.add))
)
"#;

/// Instances on several threads share one memory.
const WORKER: &str = r#"
(module
  (import "env" "shared" (memory 1 16 shared))
  (func (export "bump") (param $n i32)
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (local.set $n (i32.sub (local.get $n) (i32.const 1)))
      (br_if $l (local.get $n))))
)
"#;

const MAIN: &str = r#"
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include "counter.h"
#include "other.h"
#include "user.h"
#include "worker.h"

struct smelt_w_env {
  int refuse;
  smelt_rt_memory *shared;
};

void smelt_w_env_log(struct smelt_w_env *env, int32_t value) {
  printf("log %d\n", value);
  if (env->refuse) smelt_rt_raise_trap(42, "log refused");
}

smelt_rt_memory *smelt_w_env_shared(struct smelt_w_env *env) { return env->shared; }

static struct smelt_w_env env;

static int minus_one(const smelt_rt_trap *t, void *user, smelt_rt_val *r, size_t n) {
  (void)t; (void)user;
  if (n == 1) r[0] = SMELT_I32(-1);
  return SMELT_RECOVER_RETURN;
}

static void *worker_main(void *arg) {
  (void)arg;
  smelt_rt_trap *trap = NULL;
  smelt_w_worker *w = smelt_mod_worker_instantiate(&env, &trap);
  if (!w) return "instantiate failed";
  smelt_w_worker_bump(w, 100000);
  smelt_rt_trap *t = smelt_rt_take_trap();
  /* Each thread allocates from the shared heap. */
  uint64_t at = smelt_rt_memory_alloc(env.shared, 64, 16, NULL);
  smelt_mod_worker_free(w);
  if (t) return "bump trapped";
  return at ? (void *)(uintptr_t)at : "alloc failed";
}

static void show_trap(const char *what, int32_t result) {
  smelt_rt_trap *t = smelt_rt_take_trap();
  if (!t) { printf("%s = %d, no trap\n", what, result); return; }
  smelt_rt_frame f[4];
  size_t n = smelt_rt_trap_backtrace(t, f, 4);
  printf("%s = %d, trap %d: %s (%zu frames, innermost %s)\n", what, result,
         smelt_rt_trap_kind(t), smelt_rt_trap_message(t), n, n ? f[0].module : "-");
  smelt_rt_trap_free(t);
}

int main(void) {
  smelt_rt_trap *trap = NULL;
  smelt_w_counter *a = smelt_mod_counter_instantiate(&env, &trap);
  smelt_w_counter *b = smelt_mod_counter_instantiate(&env, &trap);
  smelt_w_other *o = smelt_mod_other_instantiate(&trap);
  smelt_w_user *u = smelt_mod_user_instantiate(a, &trap);
  if (!a || !b || !o || !u) { printf("instantiate: %s\n", smelt_rt_trap_message(trap)); return 1; }

  /* Two instances of one module, and a module with the same export names. */
  smelt_w_counter_inc(a); smelt_w_counter_inc(a);
  smelt_w_counter_inc(b);
  smelt_w_other_inc(o);
  printf("counts %d %d %d\n", *smelt_w_counter_count(a), *smelt_w_counter_count(b),
         *smelt_w_other_count(o));
  printf("memories %s %s\n", (char *)smelt_rt_memory_data(smelt_w_counter_memory(a)),
         (char *)smelt_rt_memory_data(smelt_w_other_memory(o)));
  printf("step %d\n", *smelt_w_counter_step(a));

  /* Every value type, stack-passed arguments, multi-value. */
  printf("mix %.3f\n", smelt_w_counter_mix(a, 1, 2000000000000LL, 0.5f, 0.25, -3, -4, 1.5f, 2.25, 7, 8));
  smelt_rt_multi_ii dm;
  smelt_w_counter_divmod(a, 17, 5, &dm);
  printf("divmod %d %d\n", dm.r0, dm.r1);
  smelt_rt_v128 x = {1, 2}, y = {10, 20};
  smelt_rt_v128 z = smelt_w_counter_vadd(a, x, y);
  printf("vadd %lld %lld\n", (long long)z[0], (long long)z[1]);

  /* Module `user` imports counter a's functions, memory and globals. */
  int32_t twice = smelt_w_user_inc_twice(u);
  printf("inc_twice %d, count %d %d\n", twice, smelt_w_user_count(u), *smelt_w_counter_count(a));
  smelt_w_user_poke(u, 'C');
  printf("peek %c, counter memory %s\n", smelt_w_user_peek(u),
         (char *)smelt_rt_memory_data(smelt_w_counter_memory(a)));
  smelt_w_user_reset(u);
  printf("reset %d\n", *smelt_w_counter_count(a));
  printf("dm_sum %d\n", smelt_w_user_dm_sum(u, 17, 5));

  /* Traps: in a call, through an import into another module, from C. */
  show_trap("divide", smelt_w_counter_divide(a, 1, 0));
  show_trap("fail", smelt_w_user_fail(u));
  show_trap("after", smelt_w_user_inc_twice(u));
  smelt_w_counter_report(a);
  show_trap("report", 0);
  env.refuse = 1;
  smelt_w_counter_report(a);
  show_trap("refused", 0);
  env.refuse = 0;
  /* An untaken trap is discarded by the next typed call. */
  smelt_w_counter_divide(a, 1, 0);
  show_trap("next", smelt_w_counter_divide(a, 9, 3));
  /* A handler on the instance recovers. */
  smelt_rt_trap_handler_push(smelt_mod_counter_rt(a), SMELT_TRAP_INTEGER_DIVIDE_BY_ZERO, 0,
                             minus_one, NULL);
  show_trap("recovered", smelt_w_counter_divide(a, 1, 0));
  show_trap("recovered via user", smelt_w_user_fail(u));
  smelt_rt_trap_handler_pop(smelt_mod_counter_rt(a));

  /* The host heap in an instance's memory. */
  smelt_rt_memory *mem = smelt_w_counter_memory(a);
  uint64_t p = smelt_rt_memory_alloc(mem, 100, 8, NULL);
  uint64_t q = smelt_rt_memory_alloc(mem, 100, 8, NULL);
  printf("heap %llu %llu pages %llu\n", (unsigned long long)p, (unsigned long long)q,
         (unsigned long long)smelt_rt_memory_pages(mem));
  int e1 = smelt_rt_memory_free(mem, p);
  int e2 = smelt_rt_memory_free(mem, p);
  int e3 = smelt_rt_memory_free(mem, q + 8);
  printf("frees %d %d (%s) %d (%s)\n", e1, e2, smelt_rt_alloc_error_message(e2), e3,
         smelt_rt_alloc_error_message(e3));
  int err = 0;
  uint64_t big = smelt_rt_memory_alloc(mem, 1ull << 40, 8, &err);
  printf("too big %llu %d\n", (unsigned long long)big, err);

  /* A shared memory, one worker instance per thread. */
  env.shared = smelt_rt_shared_memory_new(1, 16);
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) pthread_create(&threads[i], NULL, worker_main, NULL);
  uint64_t addrs[4];
  for (int i = 0; i < 4; i++) {
    void *r;
    pthread_join(threads[i], &r);
    addrs[i] = (uint64_t)(uintptr_t)r;
  }
  int distinct = 1;
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < i; j++) distinct &= addrs[i] != addrs[j] && addrs[i] > 4096;
  uint32_t total;
  memcpy(&total, smelt_rt_memory_data(env.shared), 4);
  printf("shared %u, distinct heap blocks %d\n", total, distinct);
  smelt_rt_memory_delete(env.shared);

  smelt_mod_user_free(u);
  smelt_mod_other_free(o);
  smelt_mod_counter_free(b);
  smelt_mod_counter_free(a);
  puts("done");
  return 0;
}
"#;

/// Runs the C program `app`, which must exit with 0; its stdout.
fn run_successfully(app: &std::path::Path) -> String {
    let out = Command::new(app).output().expect("running the program");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "program failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn modules_link_into_one_c_program() {
    let dir = smelt_tests::scratch_dir(env!("CARGO_TARGET_TMPDIR"), "c_api");
    let app = smelt_tests::build_c_program(
        &dir,
        &[
            ("counter", COUNTER),
            ("other", OTHER),
            ("user", USER),
            ("worker", WORKER),
        ],
        MAIN,
    );
    let stdout = run_successfully(&app);
    let expected = "\
counts 2 1 110
memories counter other
step 1
mix 2000000000013.500
divmod 3 2
vadd 11 22
inc_twice 4, count 4 4
peek C, counter memory Counter
reset 1
dm_sum 5
divide = 0, trap 3: integer divide by zero (1 frames, innermost counter)
fail = 0, trap 3: integer divide by zero (2 frames, innermost counter)
after = 3, no trap
log 3
report = 0, no trap
log 3
refused = 0, trap 200: log refused (1 frames, innermost counter)
next = 3, no trap
recovered = -1, no trap
recovered via user = -1, no trap
heap 65536 65640 pages 2
frees 0 2 (double free) 3 (invalid address: not a block the heap allocated)
too big 0 1
shared 400000, distinct heap blocks 1
done
";
    assert_eq!(stdout, expected);
}

/// What the C API cannot express is refused at compile time, with the
/// reason and the way out.
#[test]
fn table_imports_are_refused_with_a_reason() {
    let wasm = wat::parse_str(r#"(module (import "env" "t" (table 1 funcref)))"#).unwrap();
    let err = smelt_compiler::compile(
        &wasm,
        &smelt_compiler::Options {
            c_api: true,
            ..smelt_compiler::Options::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            &err,
            smelt_compiler::CompileError::Target(smelt_compiler::error::TargetError::CApiImportKind {
                module,
                name,
                kind: "a table",
            }) if module == "env" && name == "t"
        ),
        "{err}"
    );
    assert!(err.to_string().contains("Rust API"), "{err}");
}

/// Reads a trap's frames through both name accessors and the report.
const DEMANGLE_MAIN: &str = r#"
#include <stdio.h>
#include "mangled.h"

static const char *or_null(const char *s) { return s ? s : "(null)"; }

int main(void) {
  smelt_rt_trap *trap = NULL;
  smelt_w_mangled *m = smelt_mod_mangled_instantiate(&trap);
  if (!m) { printf("instantiate: %s\n", smelt_rt_trap_message(trap)); return 1; }
  smelt_w_mangled_run(m);
  smelt_rt_trap *t = smelt_rt_take_trap();
  if (!t) { puts("no trap"); return 1; }
  smelt_rt_frame f[16];
  size_t n = smelt_rt_trap_backtrace(t, f, 16);
  for (size_t i = 0; i < n && i < 16; i++) {
    const char *raw = smelt_rt_trap_frame_func_name(t, i);
    const char *readable = smelt_rt_trap_frame_demangled_name(t, i);
    /* The raw accessor is the frame's func_name; an unchanged name is the same string. */
    printf("%zu: %s | %s%s%s\n", i, or_null(readable), or_null(raw),
           raw == f[i].func_name ? "" : " (func_name differs)",
           raw == readable ? " (same)" : "");
  }
  printf("past the end: %s %s\n", or_null(smelt_rt_trap_frame_func_name(t, n)),
         or_null(smelt_rt_trap_frame_demangled_name(t, n)));
  fputs(smelt_rt_trap_report(t), stdout);
  smelt_rt_trap_free(t);
  smelt_mod_mangled_free(m);
  return 0;
}
"#;

#[test]
fn trap_frames_give_raw_and_demangled_names() {
    let dir = smelt_tests::scratch_dir(env!("CARGO_TARGET_TMPDIR"), "c_api_demangle");
    let app = smelt_tests::build_c_program(
        &dir,
        &[("mangled", include_str!("demangle/mangled.wat"))],
        DEMANGLE_MAIN,
    );
    let stdout = run_successfully(&app);
    let expected = "\
0: geometry::Shape::area(int) const | _ZNK8geometry5Shape4areaEi
1: _ZN3foo | _ZN3foo (same)
2: <a::geometry::Shape>::area | _RNvMNtCs6xxl1lAjzDf_1a8geometryNtB2_5Shape4area
3: std::rt::lang_start::{{closure}} | _ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17he39bdf0230cb3880E
4: _RNvNtCsjrHSEGnQ3l9_3std2rt | _RNvNtCsjrHSEGnQ3l9_3std2rt (same)
5: std::rt::lang_start_internal | _RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal
6: v | v (same)
7: run | run (same)
past the end: (null) (null)
";
    // Then the report, as `smelt run` and `Trap::report` print it.
    let expected = format!("{expected}{}", include_str!("demangle/mangled.report"));
    assert_eq!(stdout, expected);
}

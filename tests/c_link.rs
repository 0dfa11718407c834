//! A compiled module linked into a C program with the system C compiler
//! and the runtime staticlib embedded in smelt: results and a trap.

use smelt_compiler::{Options, compile};
use std::process::Command;

const MODULE: &str = r#"
(module
  (memory (export "mem") 1)
  (data (i32.const 16) "hello from wasm")
  (func (export "add") (param i32 i32) (result i32)
    (i32.add (local.get 0) (local.get 1)))
  (func (export "fib") (param i64) (result i64)
    (if (result i64) (i64.lt_u (local.get 0) (i64.const 2))
      (then (local.get 0))
      (else (i64.add
        (call 1 (i64.sub (local.get 0) (i64.const 1)))
        (call 1 (i64.sub (local.get 0) (i64.const 2)))))))
  (func $divide (export "divide") (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
)
"#;

const DRIVER: &str = r#"
#include <smelt.h>
#include <stdio.h>
#include <string.h>

extern const char smelt_mod_calc_descriptor[];

static int seen = 0;
static int recover_with_minus_one(const smelt_rt_trap *t, void *user, smelt_rt_val *r, size_t n) {
  (void)user;
  seen = smelt_rt_trap_kind(t);
  if (n == 1) r[0] = SMELT_I32(-1);
  return SMELT_RECOVER_RETURN;
}
static int propagate(const smelt_rt_trap *t, void *user, smelt_rt_val *r, size_t n) {
  (void)t; (void)r; (void)n;
  ++*(int *)user;
  return SMELT_RECOVER_PROPAGATE;
}

int main(void) {
  smelt_rt_trap *trap = NULL;
  smelt_rt_instance *inst = smelt_rt_instantiate(smelt_mod_calc_descriptor, &trap);
  if (!inst) { printf("instantiate failed: %s\n", smelt_rt_trap_message(trap)); return 1; }

  smelt_rt_val args[2] = {SMELT_I32(40), SMELT_I32(2)}, res[1];
  trap = smelt_rt_call(inst, "add", args, 2, res, 1);
  if (trap) { printf("add trapped\n"); return 1; }
  printf("add = %d\n", res[0].of.i32);

  smelt_rt_val n = SMELT_I64(30);
  trap = smelt_rt_call(inst, "fib", &n, 1, res, 1);
  if (trap) { printf("fib trapped\n"); return 1; }
  printf("fib(30) = %lld\n", (long long)res[0].of.i64);

  smelt_rt_memory *mem = smelt_rt_instance_memory(inst, "mem");
  printf("memory: %zu bytes, \"%s\"\n", smelt_rt_memory_length(mem),
         (const char *)smelt_rt_memory_data(mem) + 16);

  smelt_rt_val div[2] = {SMELT_I32(1), SMELT_I32(0)};
  trap = smelt_rt_call(inst, "divide", div, 2, res, 1);
  if (!trap) { printf("divide did not trap\n"); return 1; }
  printf("trap kind %d: %s\n", smelt_rt_trap_kind(trap), smelt_rt_trap_message(trap));
  printf("%s", smelt_rt_trap_report(trap));
  smelt_rt_frame frames[4];
  size_t nframes = smelt_rt_trap_backtrace(trap, frames, 4);
  printf("frames %zu: %s!%s @%u\n", nframes, frames[0].module, frames[0].func_name,
         frames[0].wasm_offset);
  smelt_rt_trap_free(trap);

  /* Handlers: the innermost matching one decides. */
  int propagated = 0;
  uint64_t all = smelt_rt_trap_handler_push(inst, 0, 0, propagate, &propagated);
  smelt_rt_trap_handler_push(inst, SMELT_TRAP_INTEGER_DIVIDE_BY_ZERO, 0, recover_with_minus_one, NULL);
  trap = smelt_rt_call(inst, "divide", div, 2, res, 1);
  printf("recovered: %s %d (kind %d)\n", trap ? "no" : "yes", res[0].of.i32, seen);
  smelt_rt_trap_handler_pop(inst);
  trap = smelt_rt_call(inst, "divide", div, 2, res, 1);
  printf("propagated: %s %d\n", trap ? "yes" : "no", propagated);
  smelt_rt_trap_free(trap);
  int first = smelt_rt_trap_handler_remove(inst, all);
  int second = smelt_rt_trap_handler_remove(inst, all);
  printf("removed: %d %d\n", first, second);

  /* The instance stays usable after a trap. */
  trap = smelt_rt_call(inst, "add", args, 2, res, 1);
  printf("after trap: add = %d\n", trap ? -1 : res[0].of.i32);
  smelt_rt_instance_free(inst);
  return 0;
}
"#;

#[test]
fn c_program_calls_module_and_sees_trap() {
    let dir = smelt_tests::scratch_dir(env!("CARGO_TARGET_TMPDIR"), "c_link");
    let wasm = wat::parse_str(MODULE).expect("valid wat");
    let artifact = compile(
        &wasm,
        &Options {
            module_name: "calc".into(),
            ..Options::default()
        },
    )
    .expect("compiles");
    std::fs::write(dir.join("calc.o"), &artifact.object).unwrap();
    std::fs::write(dir.join("main.c"), DRIVER).unwrap();

    let runtime = dir.join("runtime");
    smelt_cli::link::install_runtime(&runtime).expect("runtime installs");
    let mut cc =
        smelt_cli::link::c_compiler(smelt_cli::link::HOST_TRIPLE, None).expect("a C compiler");
    let status = cc
        .arg(format!("-I{}", runtime.join("include").display()))
        .arg(dir.join("main.c"))
        .arg(dir.join("calc.o"))
        .arg(runtime.join("libsmelt_runtime.a"))
        .args(smelt_cli::link::SYSTEM_LIBS)
        .arg("-o")
        .arg(dir.join("app"))
        .status()
        .expect("running cc");
    assert!(status.success(), "linking the C program failed");

    let out = Command::new(dir.join("app"))
        .output()
        .expect("running the program");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "program failed: {stdout}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[..5],
        [
            "add = 42",
            "fib(30) = 832040",
            "memory: 65536 bytes, \"hello from wasm\"",
            "trap kind 3: integer divide by zero",
            "error: wasm trap: integer divide by zero",
        ]
    );
    // The backtrace names the function and the offset of `i32.div_s`.
    let div_offset = wasm
        .windows(3)
        .position(|w| w == [0x20, 0x01, 0x6d])
        .expect("local.get 1; i32.div_s in the binary")
        + 2;
    assert_eq!(lines[5], format!("  0: {div_offset:#x} - calc!divide"));
    assert_eq!(lines[6], format!("frames 1: calc!divide @{div_offset}"));
    assert_eq!(lines[7], "recovered: yes -1 (kind 3)");
    assert_eq!(lines[8], "propagated: yes 1");
    assert_eq!(lines[9], "removed: 1 0");
    assert_eq!(lines[10], "after trap: add = 42");
    assert_eq!(lines.len(), 11);
}

const SPIN: &str = r#"
(module
  (func (export "spin") (loop (br 0)))
  (func (export "inc") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
"#;

const INTERRUPT_DRIVER: &str = r#"
#include <smelt.h>
#include <pthread.h>
#include <stdio.h>
#include <time.h>

extern const char smelt_mod_spin_descriptor[];
extern const char smelt_mod_plain_descriptor[];

static void *interrupt_later(void *h) {
  struct timespec t = {0, 50 * 1000 * 1000};
  nanosleep(&t, NULL);
  smelt_rt_interrupt((const smelt_rt_interrupt_handle *)h);
  return NULL;
}

static int spin_kind(smelt_rt_instance *inst) {
  smelt_rt_trap *trap = smelt_rt_call(inst, "spin", NULL, 0, NULL, 0);
  int kind = trap ? smelt_rt_trap_kind(trap) : -1;
  smelt_rt_trap_free(trap);
  return kind;
}

int main(void) {
  smelt_rt_trap *trap = NULL;
  smelt_rt_instance *inst = smelt_rt_instantiate(smelt_mod_spin_descriptor, &trap);
  if (!inst) { printf("instantiate failed\n"); return 1; }

  /* A timeout ends the loop; a quick call is unaffected. */
  printf("set: %d\n", smelt_rt_set_timeout_ms(inst, 100));
  printf("timeout: kind %d\n", spin_kind(inst));
  smelt_rt_val arg = SMELT_I32(41), res[1];
  trap = smelt_rt_call(inst, "inc", &arg, 1, res, 1);
  printf("inc: %d\n", trap ? -1 : res[0].of.i32);

  /* Without a timeout, another thread interrupts the loop. */
  printf("unset: %d\n", smelt_rt_set_timeout_ms(inst, 0));
  smelt_rt_interrupt_handle *h = smelt_rt_interrupt_handle_new(inst);
  pthread_t t;
  pthread_create(&t, NULL, interrupt_later, h);
  printf("interrupt: kind %d\n", spin_kind(inst));
  pthread_join(t, NULL);
  trap = smelt_rt_call(inst, "inc", &arg, 1, res, 1);
  printf("after: %d\n", trap ? -1 : res[0].of.i32);

  /* The handle outlives the instance harmlessly. */
  smelt_rt_instance_free(inst);
  smelt_rt_interrupt(h);
  smelt_rt_interrupt_handle_free(h);
  smelt_rt_interrupt_handle_free(NULL);

  /* Code without interruption checks refuses a timeout. */
  smelt_rt_instance *plain = smelt_rt_instantiate(smelt_mod_plain_descriptor, &trap);
  if (!plain) { printf("instantiate plain failed\n"); return 1; }
  printf("plain: %d\n", smelt_rt_set_timeout_ms(plain, 100));
  smelt_rt_instance_free(plain);
  return 0;
}
"#;

/// The C API's timeout and cross-thread interruption.
#[test]
fn c_program_times_out_and_interrupts_calls() {
    let dir = smelt_tests::scratch_dir(env!("CARGO_TARGET_TMPDIR"), "c_interrupt");
    let wasm = wat::parse_str(SPIN).expect("valid wat");
    for (name, interruptible) in [("spin", true), ("plain", false)] {
        let options = Options {
            module_name: name.into(),
            interruptible,
            ..Options::default()
        };
        let artifact = compile(&wasm, &options).expect("compiles");
        std::fs::write(dir.join(format!("{name}.o")), &artifact.object).unwrap();
    }
    std::fs::write(dir.join("main.c"), INTERRUPT_DRIVER).unwrap();
    let runtime = dir.join("runtime");
    smelt_cli::link::install_runtime(&runtime).expect("runtime installs");
    let mut cc =
        smelt_cli::link::c_compiler(smelt_cli::link::HOST_TRIPLE, None).expect("a C compiler");
    let status = cc
        .arg(format!("-I{}", runtime.join("include").display()))
        .arg(dir.join("main.c"))
        .arg(dir.join("spin.o"))
        .arg(dir.join("plain.o"))
        .arg(runtime.join("libsmelt_runtime.a"))
        .args(smelt_cli::link::SYSTEM_LIBS)
        .arg("-o")
        .arg(dir.join("app"))
        .status()
        .expect("running cc");
    assert!(status.success(), "linking the C program failed");
    let out = Command::new(dir.join("app"))
        .output()
        .expect("running the program");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "program failed: {stdout}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "set: 0",
            "timeout: kind 16",
            "inc: 42",
            "unset: 0",
            "interrupt: kind 16",
            "after: 42",
            "plain: -1",
        ]
    );
}

const FUEL_DRIVER: &str = r#"
#include <smelt.h>
#include <stdio.h>

extern const char smelt_mod_metered_descriptor[];
extern const char smelt_mod_plain_descriptor[];

int main(void) {
  smelt_rt_trap *trap = NULL;
  smelt_rt_instance *inst = smelt_rt_instantiate(smelt_mod_metered_descriptor, &trap);
  if (!inst) { printf("instantiate failed\n"); return 1; }
  uint64_t left = 0;
  printf("unset: %d\n", smelt_rt_get_fuel(inst, &left));

  /* Out of fuel in the loop; more fuel, and quick calls work again. */
  printf("set: %d\n", smelt_rt_set_fuel(inst, 1000));
  trap = smelt_rt_call(inst, "spin", NULL, 0, NULL, 0);
  printf("spin: kind %d\n", trap ? smelt_rt_trap_kind(trap) : -1);
  smelt_rt_trap_free(trap);
  printf("get: %d %llu\n", smelt_rt_get_fuel(inst, &left), (unsigned long long)left);
  printf("add: %d\n", smelt_rt_add_fuel(inst, 10));
  smelt_rt_val arg = SMELT_I32(41), res[1];
  trap = smelt_rt_call(inst, "inc", &arg, 1, res, 1);
  printf("inc: %d\n", trap ? -1 : res[0].of.i32);
  /* inc is one block: local.get, i32.const, i32.add, end. */
  smelt_rt_get_fuel(inst, &left);
  printf("left: %llu\n", (unsigned long long)left);
  smelt_rt_instance_free(inst);

  /* Code without fuel metering refuses fuel. */
  smelt_rt_instance *plain = smelt_rt_instantiate(smelt_mod_plain_descriptor, &trap);
  if (!plain) { printf("instantiate plain failed\n"); return 1; }
  printf("plain: %d %d\n", smelt_rt_set_fuel(plain, 100), smelt_rt_add_fuel(plain, 1));
  smelt_rt_instance_free(plain);
  return 0;
}
"#;

/// The C API's fuel: set, add, read, the trap, and refusal by unmetered code.
#[test]
fn c_program_runs_out_of_fuel() {
    let dir = smelt_tests::scratch_dir(env!("CARGO_TARGET_TMPDIR"), "c_fuel");
    let wasm = wat::parse_str(SPIN).expect("valid wat");
    for (name, fuel) in [("metered", true), ("plain", false)] {
        let options = Options {
            module_name: name.into(),
            fuel,
            ..Options::default()
        };
        let artifact = compile(&wasm, &options).expect("compiles");
        std::fs::write(dir.join(format!("{name}.o")), &artifact.object).unwrap();
    }
    std::fs::write(dir.join("main.c"), FUEL_DRIVER).unwrap();
    let runtime = dir.join("runtime");
    smelt_cli::link::install_runtime(&runtime).expect("runtime installs");
    let mut cc =
        smelt_cli::link::c_compiler(smelt_cli::link::HOST_TRIPLE, None).expect("a C compiler");
    let status = cc
        .arg(format!("-I{}", runtime.join("include").display()))
        .arg(dir.join("main.c"))
        .arg(dir.join("metered.o"))
        .arg(dir.join("plain.o"))
        .arg(runtime.join("libsmelt_runtime.a"))
        .args(smelt_cli::link::SYSTEM_LIBS)
        .arg("-o")
        .arg(dir.join("app"))
        .status()
        .expect("running cc");
    assert!(status.success(), "linking the C program failed");
    let out = Command::new(dir.join("app"))
        .output()
        .expect("running the program");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "program failed: {stdout}");
    assert_eq!(
        stdout.lines().collect::<Vec<_>>(),
        [
            "unset: -1",
            "set: 0",
            "spin: kind 19",
            "get: 0 0",
            "add: 0",
            "inc: 42",
            "left: 6",
            "plain: -1 -1",
        ]
    );
}

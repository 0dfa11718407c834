//! WASI through the Rust embedding API, in-process: bad guest pointers
//! are `EFAULT` (never a host fault), sockets preopened by the embedder,
//! `poll_oneoff` on fds and clocks, `proc_exit`, captured stdio.

use smelt_runtime::wasi::{self, WasiCtx};
use smelt_runtime::{Instance, Linker, Store};
use smelt_tests::module;
use std::io::{Read, Write};
use std::os::fd::OwnedFd;

fn instantiate(wat: &str, ctx: WasiCtx) -> (Store, Instance) {
    let module = module(wat);
    let mut store = Store::new();
    let mut linker = Linker::new();
    wasi::add_to_linker(&mut linker, &mut store, ctx);
    let instance = linker
        .instantiate(&mut store, &module)
        .expect("instantiates");
    (store, instance)
}

fn call_i32(store: &mut Store, instance: &Instance, name: &str) -> i32 {
    let f = instance.get_func(&mut *store, name).expect("export");
    f.call(&mut *store, &[]).expect("no trap")[0].unwrap_i32()
}

const ERRNO_BADF: i32 = 8;
const ERRNO_FAULT: i32 = 21;

const POINTERS: &str = r#"
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "args_sizes_get" (func $args_sizes (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "random_get" (func $random (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_close" (func $fd_close (param i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "hi\n")
  (func (export "write_oob") (result i32)
    (i32.store (i32.const 0) (i32.const 0xfff0))
    (i32.store (i32.const 4) (i32.const 0x100))
    (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
  (func (export "iovs_oob") (result i32)
    (call $fd_write (i32.const 1) (i32.const 0xfffc) (i32.const 2) (i32.const 8)))
  (func (export "result_oob") (result i32)
    (call $args_sizes (i32.const 0x10000) (i32.const 0)))
  (func (export "random_oob") (result i32)
    (call $random (i32.const 0xffffff00) (i32.const 0x200)))
  (func (export "bad_fd") (result i32)
    (call $fd_close (i32.const 99)))
  (func (export "hello") (result i32)
    (i32.store (i32.const 0) (i32.const 64))
    (i32.store (i32.const 4) (i32.const 3))
    (drop (call $fd_write (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
    (i32.load (i32.const 8)))
  (func (export "exit3") (call $exit (i32.const 3))))
"#;

#[test]
fn bad_pointers_are_efault_not_crashes() {
    let (mut store, instance) = instantiate(POINTERS, WasiCtx::builder().build().unwrap());
    for name in ["write_oob", "iovs_oob", "result_oob", "random_oob"] {
        assert_eq!(call_i32(&mut store, &instance, name), ERRNO_FAULT, "{name}");
    }
    assert_eq!(call_i32(&mut store, &instance, "bad_fd"), ERRNO_BADF);
}

#[test]
fn stdout_goes_where_the_embedder_says() {
    let path = std::env::temp_dir().join(format!("smelt-wasi-api-{}.out", std::process::id()));
    let file = std::fs::File::create(&path).unwrap();
    let ctx = WasiCtx::builder()
        .stdout(OwnedFd::from(file))
        .build()
        .unwrap();
    let (mut store, instance) = instantiate(POINTERS, ctx);
    assert_eq!(call_i32(&mut store, &instance, "hello"), 3);
    drop(store);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "hi\n");
    let _ = std::fs::remove_file(&path);
}

#[test]
fn proc_exit_is_a_trap_with_the_status() {
    let (mut store, instance) = instantiate(POINTERS, WasiCtx::builder().build().unwrap());
    let f = instance.get_func(&mut store, "exit3").unwrap();
    let trap = f.call(&mut store, &[]).unwrap_err();
    assert_eq!(trap.exit_code(), Some(3));
    // The instance stays usable after the exit trap.
    assert_eq!(call_i32(&mut store, &instance, "bad_fd"), ERRNO_BADF);
}

const SOCKETS: &str = r#"
(module
  (import "wasi_snapshot_preview1" "sock_accept" (func $accept (param i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_recv" (func $recv (param i32 i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_send" (func $send (param i32 i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "sock_shutdown" (func $shutdown (param i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "poll_oneoff" (func $poll (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_fdstat_get" (func $fdstat (param i32 i32) (result i32)))
  (memory (export "memory") 1)
  ;; Accepts one connection on fd 3, waits for it to be readable, echoes
  ;; what it receives. Returns the byte count, or 1000 + the failed step.
  (func (export "echo") (result i32)
    (if (call $fdstat (i32.const 3) (i32.const 600)) (then (return (i32.const 1000))))
    (if (i32.ne (i32.load8_u (i32.const 600)) (i32.const 6)) (then (return (i32.const 1009))))
    (if (call $accept (i32.const 3) (i32.const 0) (i32.const 100)) (then (return (i32.const 1001))))
    (i64.store (i32.const 200) (i64.const 7))
    (i32.store8 (i32.const 208) (i32.const 1))
    (i32.store (i32.const 216) (i32.load (i32.const 100)))
    (if (call $poll (i32.const 200) (i32.const 300) (i32.const 1) (i32.const 400)) (then (return (i32.const 1002))))
    (if (i32.ne (i32.load (i32.const 400)) (i32.const 1)) (then (return (i32.const 1003))))
    (if (i64.ne (i64.load (i32.const 300)) (i64.const 7)) (then (return (i32.const 1004))))
    (if (i32.ne (i32.load8_u (i32.const 310)) (i32.const 1)) (then (return (i32.const 1005))))
    (i32.store (i32.const 500) (i32.const 1000))
    (i32.store (i32.const 504) (i32.const 64))
    (if (call $recv (i32.load (i32.const 100)) (i32.const 500) (i32.const 1) (i32.const 0) (i32.const 508) (i32.const 512))
      (then (return (i32.const 1006))))
    (i32.store (i32.const 504) (i32.load (i32.const 508)))
    (if (call $send (i32.load (i32.const 100)) (i32.const 500) (i32.const 1) (i32.const 0) (i32.const 516))
      (then (return (i32.const 1007))))
    (if (call $shutdown (i32.load (i32.const 100)) (i32.const 3)) (then (return (i32.const 1008))))
    (i32.load (i32.const 508)))
  ;; Sleeps 30 ms with a relative monotonic clock subscription; returns
  ;; the event type (0 = clock) or 1000 + the failed step.
  (func (export "sleep") (result i32)
    (i64.store (i32.const 200) (i64.const 9))
    (i32.store8 (i32.const 208) (i32.const 0))
    (i32.store (i32.const 216) (i32.const 1))
    (i64.store (i32.const 224) (i64.const 30000000))
    (i64.store (i32.const 232) (i64.const 0))
    (i32.store16 (i32.const 240) (i32.const 0))
    (if (call $poll (i32.const 200) (i32.const 300) (i32.const 1) (i32.const 400)) (then (return (i32.const 1002))))
    (if (i32.ne (i32.load (i32.const 400)) (i32.const 1)) (then (return (i32.const 1003))))
    (if (i64.ne (i64.load (i32.const 300)) (i64.const 9)) (then (return (i32.const 1004))))
    (i32.load8_u (i32.const 310))))
"#;

#[test]
fn preopened_socket_accept_poll_recv_send() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let ctx = WasiCtx::builder().preopen_socket(listener).build().unwrap();
    let (mut store, instance) = instantiate(SOCKETS, ctx);
    let client = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.write_all(b"ping").unwrap();
        let mut reply = Vec::new();
        s.read_to_end(&mut reply).unwrap();
        reply
    });
    assert_eq!(call_i32(&mut store, &instance, "echo"), 4);
    assert_eq!(client.join().unwrap(), b"ping");
}

#[test]
fn poll_oneoff_clock_timeout() {
    let (mut store, instance) = instantiate(SOCKETS, WasiCtx::builder().build().unwrap());
    let start = std::time::Instant::now();
    assert_eq!(call_i32(&mut store, &instance, "sleep"), 0);
    assert!(start.elapsed() >= std::time::Duration::from_millis(30));
}

#[test]
fn preopen_errors_name_the_directory() {
    let err = WasiCtx::builder()
        .preopen_dir("/nonexistent/smelt-dir", "x")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, wasi::BuildError::Preopen { host, .. }
            if host == std::path::Path::new("/nonexistent/smelt-dir")),
        "{err}"
    );
    // The message the CLI prints (the OS's reason follows).
    assert!(
        err.to_string()
            .starts_with("/nonexistent/smelt-dir: cannot preopen directory: "),
        "{err}"
    );
}

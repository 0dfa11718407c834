;; A wasi-threads program: `_start` spawns 4 threads that each add 1 to a
;; shared counter 100000 times with an atomic RMW, waits for all of them
;; with memory.atomic.wait32 on a "finished" count, and prints the total
;; as decimal through fd_write. Expected output: "400000\n".
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func $fd_write (param i32 i32 i32 i32) (result i32)))
  (import "wasi" "thread-spawn" (func $spawn (param i32) (result i32)))
  (import "env" "memory" (memory 1 1 shared))
  ;; 0: counter, 4: finished threads, 64..: text buffer, 32: iovec.
  (func (export "wasi_thread_start") (param $tid i32) (param $arg i32)
    (local $n i32)
    (local.set $n (local.get $arg))
    (loop $l
      (drop (i32.atomic.rmw.add (i32.const 0) (i32.const 1)))
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    (drop (i32.atomic.rmw.add (i32.const 4) (i32.const 1)))
    (drop (memory.atomic.notify (i32.const 4) (i32.const 1))))
  (func (export "_start")
    (local $i i32) (local $done i32) (local $v i32) (local $p i32)
    (loop $s
      (if (i32.lt_s (call $spawn (i32.const 100000)) (i32.const 1)) (then unreachable))
      (br_if $s (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 4))))
    (block $all
      (loop $w
        (local.set $done (i32.atomic.load (i32.const 4)))
        (br_if $all (i32.eq (local.get $done) (i32.const 4)))
        (drop (memory.atomic.wait32 (i32.const 4) (local.get $done) (i64.const 1000000000)))
        (br $w)))
    ;; Format the counter right-aligned in the buffer ending at 80.
    (local.set $v (i32.atomic.load (i32.const 0)))
    (local.set $p (i32.const 80))
    (i32.store8 (i32.const 80) (i32.const 10))
    (loop $d
      (local.set $p (i32.sub (local.get $p) (i32.const 1)))
      (i32.store8 (local.get $p) (i32.add (i32.const 48) (i32.rem_u (local.get $v) (i32.const 10))))
      (br_if $d (local.tee $v (i32.div_u (local.get $v) (i32.const 10)))))
    (i32.store (i32.const 32) (local.get $p))
    (i32.store (i32.const 36) (i32.sub (i32.const 81) (local.get $p)))
    (drop (call $fd_write (i32.const 1) (i32.const 32) (i32.const 1) (i32.const 40)))))

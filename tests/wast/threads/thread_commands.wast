;; What a thread of a script sees and can do (see "Threads in scripts" in
;; docs/cli.md): its own store with every command, the shared memories of
;; the module it names in (shared (module $M)), nested threads, names that
;; can be reused once waited for.

(module $Mem
  (memory (export "a") 1 1 shared)
  (memory (export "b") 2 2 shared))
(register "mem" $Mem)

;; Every kind of command inside a thread; registrations are the thread's
;; own.
(thread $All (shared (module $Mem))
  ;; The script registered $Mem as "mem", but that is not visible here.
  (assert_unlinkable
    (module (memory (import "mem" "a") 1 1 shared))
    "unknown import")
  (register "mem" $Mem)
  (module $Lib
    (memory (import "mem" "b") 2 2 shared)
    (global (export "seven") i32 (i32.const 7))
    (func (export "store") (param i32 i32) (i32.atomic.store (local.get 0) (local.get 1)))
    (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0))))
  (register "lib" $Lib)
  (module $User
    (import "lib" "store" (func $store (param i32 i32)))
    (import "lib" "seven" (global $seven i32))
    (func (export "put") (param i32) (call $store (local.get 0) (global.get $seven)))
    (func (export "div") (param i32) (result i32) (i32.div_u (i32.const 1) (local.get 0)))
    (func $deep (export "deep") (call $deep)))
  (invoke "put" (i32.const 100))
  (assert_return (invoke $Lib "load" (i32.const 100)) (i32.const 7))
  (assert_return (get $Lib "seven") (i32.const 7))
  (assert_trap (invoke $User "div" (i32.const 0)) "integer divide by zero")
  (assert_exhaustion (invoke $User "deep") "call stack exhausted")
  (assert_invalid (module (func (result i32))) "type mismatch")
  (assert_malformed (module quote "(func") "unexpected end")
  (module definition $Def (func (export "one") (result i32) (i32.const 1)))
  (module instance $One $Def)
  (assert_return (invoke $One "one") (i32.const 1)))
(wait $All)

;; The thread's store wrote memory "b" of $Mem, which this thread shares.
(module $Read
  (memory (import "mem" "b") 2 2 shared)
  (func (export "load") (param i32) (result i32) (i32.atomic.load (local.get 0))))
(assert_return (invoke $Read "load" (i32.const 100)) (i32.const 7))

;; spectest.shared_memory is one memory for the whole script; every other
;; spectest item is each thread's own.
(thread $Spectest
  (module
    (memory (import "spectest" "shared_memory") 1 1 shared)
    (func (export "put") (i32.atomic.store (i32.const 8) (i32.const 88))))
  (invoke "put")
  (module
    (memory (import "spectest" "memory") 1 2)
    (func (export "put") (i32.store (i32.const 8) (i32.const 99))))
  (invoke "put"))
(wait $Spectest)
(module
  (import "spectest" "shared_memory" (memory $s 1 1 shared))
  (import "spectest" "memory" (memory $m 1 2))
  (func (export "shared") (result i32) (i32.atomic.load $s (i32.const 8)))
  (func (export "own") (result i32) (i32.load $m (i32.const 8))))
(assert_return (invoke "shared") (i32.const 88))
(assert_return (invoke "own") (i32.const 0))

;; Nested threads: a thread shares on a module it was given, and a nested
;; thread may use the name of one of its parent's threads that is still
;; running ($Spin runs until $Outer's $Spin has set the flag).
(thread $Spin (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "a") 1 1 shared)
    (func (export "spin") (result i32)
      (loop $l (br_if $l (i32.eqz (i32.atomic.load (i32.const 4)))))
      (i32.atomic.load (i32.const 4))))
  (assert_return (invoke "spin") (i32.const 2)))
(thread $Outer (shared (module $Mem))
  (thread $Spin (shared (module $Mem))
    (register "m" $Mem)
    (module
      (memory (import "m" "a") 1 1 shared)
      (func (export "set") (i32.atomic.store (i32.const 4) (i32.const 2))))
    (invoke "set"))
  (wait $Spin))
(wait $Outer)
(wait $Spin)

;; A name is free again once its thread was waited for.
(thread $Again (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "a") 1 1 shared)
    (func (export "add") (drop (i32.atomic.rmw.add (i32.const 12) (i32.const 1)))))
  (invoke "add"))
(wait $Again)
(thread $Again (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "a") 1 1 shared)
    (func (export "add") (drop (i32.atomic.rmw.add (i32.const 12) (i32.const 1)))))
  (invoke "add"))
(wait $Again)

;; A module instantiated under the shared module's name replaces it in
;; the thread.
(thread $Shadow (shared (module $Mem))
  (module $Mem (memory (export "a") 1 1))
  (register "own" $Mem)
  (module (memory (import "own" "a") 1 1) (data (i32.const 12) "\ff")))
(wait $Shadow)

;; Four threads add to one counter with atomic read-modify-writes; the
;; total is exact however they interleave.
(module $Counter
  (memory (import "mem" "a") 1 1 shared)
  (func (export "get") (result i32) (i32.atomic.load (i32.const 16)))
  (func (export "again") (result i32) (i32.atomic.load (i32.const 12))))
(assert_return (invoke $Counter "again") (i32.const 2))
(thread $C1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "a") 1 1 shared)
    (func (export "bump") (param $n i32)
      (loop $l
        (drop (i32.atomic.rmw.add (i32.const 16) (i32.const 1)))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
  (invoke "bump" (i32.const 100000)))
(thread $C2 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "a") 1 1 shared)
    (func (export "bump") (param $n i32)
      (loop $l
        (drop (i32.atomic.rmw.add (i32.const 16) (i32.const 1)))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
  (invoke "bump" (i32.const 100000)))
(thread $C3 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "a") 1 1 shared)
    (func (export "bump") (param $n i32)
      (loop $l
        (drop (i32.atomic.rmw.sub (i32.const 16) (i32.const -1)))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
  (invoke "bump" (i32.const 100000)))
(thread $C4 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "a") 1 1 shared)
    (func (export "bump") (param $n i32)
      (local $old i32)
      (loop $l
        ;; compare-exchange until it wins
        (loop $cas
          (local.set $old (i32.atomic.load (i32.const 16)))
          (br_if $cas (i32.ne (i32.atomic.rmw.cmpxchg (i32.const 16) (local.get $old)
                                                      (i32.add (local.get $old) (i32.const 1)))
                              (local.get $old))))
        (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))))
  (invoke "bump" (i32.const 100000)))
(wait $C1)
(wait $C2)
(wait $C3)
(wait $C4)
(assert_return (invoke $Counter "get") (i32.const 400000))

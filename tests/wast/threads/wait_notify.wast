;; memory.atomic.wait32/64 and memory.atomic.notify across threads.
;;
;; Results of a wait: 0 woken by a notify, 1 the value was not the
;; expected one, 2 timed out. A notify returns how many waiters it woke.
;; A notify that comes before the waiter sleeps wakes nobody, so the
;; notifying threads below retry (sleeping 1 ms between tries by waiting
;; on an address nobody notifies) until they have woken every waiter; the
;; waiters' timeouts (10 s) only end the test if a wake-up is lost.
;;
;; Addresses: 0 (wait32, one waiter), 8 (wait64, one waiter), 64 (three
;; waiters, woken one at a time), 128 (a flag waited for in a loop), 192
;; (timeouts), 1024 and up: addresses only slept on.

(module $Mem (memory (export "shared") 1 1 shared))
(register "mem" $Mem)

;; One waiter, one notifier: wait32 returns "woken", notify says 1.
(thread $Waiter32 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 0) (i32.const 0) (i64.const 10_000_000_000))))
  (assert_return (invoke "wait") (i32.const 0)))

(thread $Notifier32 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    ;; Notifies $addr (count 1) until it wakes someone; the number woken.
    (func (export "notify") (param $addr i32) (result i32)
      (local $woken i32) (local $tries i32)
      (loop $retry
        (local.set $woken (memory.atomic.notify (local.get $addr) (i32.const 1)))
        (if (i32.eqz (local.get $woken))
          (then
            (drop (memory.atomic.wait32 (i32.const 1024) (i32.const 0) (i64.const 1_000_000)))
            (br_if $retry (i32.lt_u (local.tee $tries (i32.add (local.get $tries) (i32.const 1)))
                                    (i32.const 10000))))))
      (local.get $woken)))
  (assert_return (invoke "notify" (i32.const 0)) (i32.const 1)))

(wait $Waiter32)
(wait $Notifier32)

;; The same with wait64 (an 8-byte-aligned i64), notified from the script.
(thread $Waiter64 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait64 (i32.const 8) (i64.const 0) (i64.const 10_000_000_000))))
  (assert_return (invoke "wait") (i32.const 0)))

(module $Notifier
  (memory (import "mem" "shared") 1 1 shared)
  (func (export "notify") (param $addr i32) (result i32)
    (local $woken i32) (local $tries i32)
    (loop $retry
      (local.set $woken (memory.atomic.notify (local.get $addr) (i32.const 1)))
      (if (i32.eqz (local.get $woken))
        (then
          (drop (memory.atomic.wait32 (i32.const 1028) (i32.const 0) (i64.const 1_000_000)))
          (br_if $retry (i32.lt_u (local.tee $tries (i32.add (local.get $tries) (i32.const 1)))
                                  (i32.const 10000))))))
    (local.get $woken))
  ;; Notifies $addr with count 1 until $n waiters have been woken; traps
  ;; if one notify wakes more than the count. The total woken.
  (func (export "notify_each") (param $addr i32) (param $n i32) (result i32)
    (local $total i32) (local $woken i32) (local $tries i32)
    (loop $retry
      (local.set $woken (memory.atomic.notify (local.get $addr) (i32.const 1)))
      (if (i32.gt_u (local.get $woken) (i32.const 1)) (then (unreachable)))
      (local.set $total (i32.add (local.get $total) (local.get $woken)))
      (if (i32.lt_u (local.get $total) (local.get $n))
        (then
          (if (i32.eqz (local.get $woken))
            (then (drop (memory.atomic.wait32 (i32.const 1032) (i32.const 0)
                                              (i64.const 1_000_000)))))
          (br_if $retry (i32.lt_u (local.tee $tries (i32.add (local.get $tries) (i32.const 1)))
                                  (i32.const 10000))))))
    (local.get $total))
  ;; Sets the flag at 128 and wakes everyone waiting on it.
  (func (export "raise") (result i32)
    (i32.atomic.store (i32.const 128) (i32.const 1))
    (memory.atomic.notify (i32.const 128) (i32.const -1))))

(assert_return (invoke $Notifier "notify" (i32.const 8)) (i32.const 1))
(wait $Waiter64)

;; Three waiters on one address; notify with count 1 wakes one at a time
;; (never more), and all three are woken.
(thread $W1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const 10_000_000_000))))
  (assert_return (invoke "wait") (i32.const 0)))
(thread $W2 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const 10_000_000_000))))
  (assert_return (invoke "wait") (i32.const 0)))
(thread $W3 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait") (result i32)
      (memory.atomic.wait32 (i32.const 64) (i32.const 0) (i64.const 10_000_000_000))))
  (assert_return (invoke "wait") (i32.const 0)))
(assert_return (invoke $Notifier "notify_each" (i32.const 64) (i32.const 3)) (i32.const 3))
(wait $W1)
(wait $W2)
(wait $W3)
;; Nobody is left waiting.
(assert_return (invoke $Notifier "notify_each" (i32.const 64) (i32.const 0)) (i32.const 0))

;; A waiter that loops until a flag is set, as a futex-based lock or event
;; does: it may see "not equal" (the flag was already set) or be woken,
;; and in both cases returns the flag's new value.
(thread $Event (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait_for_flag") (result i32)
      (local $tries i32)
      (loop $again
        (if (i32.eqz (i32.atomic.load (i32.const 128)))
          (then
            (drop (memory.atomic.wait32 (i32.const 128) (i32.const 0) (i64.const 10_000_000_000)))
            (br_if $again (i32.lt_u (local.tee $tries (i32.add (local.get $tries) (i32.const 1)))
                                    (i32.const 3))))))
      (i32.atomic.load (i32.const 128))))
  (assert_return (invoke "wait_for_flag") (i32.const 1)))
(assert_return (invoke $Notifier "raise") (either (i32.const 0) (i32.const 1)))
(wait $Event)

;; Timeouts: nobody notifies 192, so waits with an expected value that
;; matches time out (2), in a thread and on the script's own thread, while
;; another thread notifies a different address; a value that does not
;; match returns 1 at once.
(thread $Timeouts (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "wait32") (param $expected i32) (param $ns i64) (result i32)
      (memory.atomic.wait32 (i32.const 192) (local.get $expected) (local.get $ns)))
    (func (export "wait64") (param $expected i64) (param $ns i64) (result i32)
      (memory.atomic.wait64 (i32.const 192) (local.get $expected) (local.get $ns))))
  (assert_return (invoke "wait32" (i32.const 0) (i64.const 20_000_000)) (i32.const 2))
  (assert_return (invoke "wait64" (i64.const 0) (i64.const 20_000_000)) (i32.const 2))
  (assert_return (invoke "wait32" (i32.const 0) (i64.const 0)) (i32.const 2))
  (assert_return (invoke "wait32" (i32.const 1) (i64.const 10_000_000_000)) (i32.const 1))
  (assert_return (invoke "wait64" (i64.const -1) (i64.const 10_000_000_000)) (i32.const 1)))
(thread $Elsewhere (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    (func (export "notify_196") (result i32)
      (local $i i32) (local $woken i32)
      (loop $l
        (local.set $woken (i32.add (local.get $woken)
                                   (memory.atomic.notify (i32.const 196) (i32.const -1))))
        (br_if $l (i32.lt_u (local.tee $i (i32.add (local.get $i) (i32.const 1)))
                            (i32.const 1000))))
      (local.get $woken)))
  (assert_return (invoke "notify_196") (i32.const 0)))
(module $Here
  (memory (import "mem" "shared") 1 1 shared)
  (func (export "wait32") (param $ns i64) (result i32)
    (memory.atomic.wait32 (i32.const 192) (i32.const 0) (local.get $ns))))
(assert_return (invoke $Here "wait32" (i64.const 20_000_000)) (i32.const 2))
(wait $Timeouts)
(wait $Elsewhere)

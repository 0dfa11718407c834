;; Message passing (MP) with atomic (sequentially consistent) accesses.
;;
;;   T1: x = 42; y = 1        T2: r1 = y; r2 = x
;;
;; x is the message, y the flag that says it is there.
;; With atomic accesses a thread that sees the flag also sees the data
;; written before it: (r1, r2) = (1, 0) is forbidden. Allowed: (0, 0),
;; (0, 42), (1, 42).
;;
;; Each of 2048 rounds uses fresh locations and starts at a rendezvous
;; (see $barrier), so the two threads run a round's accesses at about the
;; same time. Memory (one page): rendezvous counters at 0, x at 8192, y at
;; 16384, r1 at 24576, r2 at 32768, finish counters at 49152 (4 bytes per
;; round each), rounds done by T1 at 40960 and by T2 at 40964. The registers are kept with plain
;; stores: (wait ...) orders them before the check.

(module $Mem (memory (export "shared") 1 1 shared))
(register "mem" $Mem)

(thread $T1 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    ;; The round's rendezvous. Both threads add 1 to the round's counter;
    ;; the first to arrive spins until it reads 2 (sleeping in wait32 only
    ;; if the other thread is very late), the second knows at once, so it is
    ;; ahead by the time the first sees the counter change. To make the two
    ;; threads' accesses overlap, the second waits $delay loop iterations
    ;; (plus a little, different each round), and $finish tunes $delay:
    ;; longer when it still finished first, shorter when it finished last
    ;; (by an eighth, so it finds the right scale, from a few cycles when
    ;; both threads spin to the wake-up time of one that slept).
    ;; Only timing depends on this; the outcomes are checked all the same.
    (global $delay (mut i32) (i32.const 0))
    (func $barrier (param $a i32) (result i32)
      (local $spins i32)
      (if (i32.eq (i32.atomic.rmw.add (local.get $a) (i32.const 1)) (i32.const 1))
        (then
          (drop (memory.atomic.notify (local.get $a) (i32.const 1)))
          (local.set $spins
            (i32.add (global.get $delay)
                     (i32.and (i32.mul (local.get $a) (i32.const 37)) (i32.const 63))))
          (loop $wait
            (br_if $wait (i32.gt_s (local.tee $spins (i32.sub (local.get $spins) (i32.const 1)))
                                   (i32.const 0))))
          (return (i32.const 1))))
      (loop $spin
        (if (i32.ne (i32.atomic.load (local.get $a)) (i32.const 2))
          (then
            (if (i32.gt_u (local.tee $spins (i32.add (local.get $spins) (i32.const 1)))
                          (i32.const 5000))
              (then (drop (memory.atomic.wait32 (local.get $a) (i32.const 1) (i64.const 1000000)))))
            (br $spin))))
      (i32.const 0))
    ;; After the round: who finished first (the counters at 49152).
    (func $finish (param $a i32) (param $second i32)
      (local $step i32)
      (if (local.get $second)
        (then
          (local.set $step (i32.add (i32.shr_u (global.get $delay) (i32.const 3)) (i32.const 16)))
          (if (i32.eqz (i32.atomic.rmw.add offset=49152 (local.get $a) (i32.const 1)))
            (then
              (if (i32.lt_u (global.get $delay) (i32.const 1_000_000))
                (then (global.set $delay (i32.add (global.get $delay) (local.get $step))))))
            (else
              (global.set $delay
                (select (i32.sub (global.get $delay) (local.get $step)) (i32.const 0)
                        (i32.gt_u (global.get $delay) (local.get $step))))))
          (return)))
      (drop (i32.atomic.rmw.add offset=49152 (local.get $a) (i32.const 1))))
    (func (export "run") (param $n i32)
      (local $a i32) (local $second i32)
      (loop $round
        (local.set $second (call $barrier (local.get $a)))
        (i32.atomic.store offset=8192 (local.get $a) (i32.const 42))
        (i32.atomic.store offset=16384 (local.get $a) (i32.const 1))
        (call $finish (local.get $a) (local.get $second))
        (br_if $round (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 4)))
                                (i32.shl (local.get $n) (i32.const 2)))))
      (i32.atomic.store offset=40960 (i32.const 0) (local.get $n))))
  (assert_return (invoke "run" (i32.const 2048))))

(thread $T2 (shared (module $Mem))
  (register "mem" $Mem)
  (module
    (memory (import "mem" "shared") 1 1 shared)
    ;; The same rendezvous as in $T1.
    (global $delay (mut i32) (i32.const 0))
    (func $barrier (param $a i32) (result i32)
      (local $spins i32)
      (if (i32.eq (i32.atomic.rmw.add (local.get $a) (i32.const 1)) (i32.const 1))
        (then
          (drop (memory.atomic.notify (local.get $a) (i32.const 1)))
          (local.set $spins
            (i32.add (global.get $delay)
                     (i32.and (i32.mul (local.get $a) (i32.const 37)) (i32.const 63))))
          (loop $wait
            (br_if $wait (i32.gt_s (local.tee $spins (i32.sub (local.get $spins) (i32.const 1)))
                                   (i32.const 0))))
          (return (i32.const 1))))
      (loop $spin
        (if (i32.ne (i32.atomic.load (local.get $a)) (i32.const 2))
          (then
            (if (i32.gt_u (local.tee $spins (i32.add (local.get $spins) (i32.const 1)))
                          (i32.const 5000))
              (then (drop (memory.atomic.wait32 (local.get $a) (i32.const 1) (i64.const 1000000)))))
            (br $spin))))
      (i32.const 0))
    ;; After the round: who finished first (the counters at 49152).
    (func $finish (param $a i32) (param $second i32)
      (local $step i32)
      (if (local.get $second)
        (then
          (local.set $step (i32.add (i32.shr_u (global.get $delay) (i32.const 3)) (i32.const 16)))
          (if (i32.eqz (i32.atomic.rmw.add offset=49152 (local.get $a) (i32.const 1)))
            (then
              (if (i32.lt_u (global.get $delay) (i32.const 1_000_000))
                (then (global.set $delay (i32.add (global.get $delay) (local.get $step))))))
            (else
              (global.set $delay
                (select (i32.sub (global.get $delay) (local.get $step)) (i32.const 0)
                        (i32.gt_u (global.get $delay) (local.get $step))))))
          (return)))
      (drop (i32.atomic.rmw.add offset=49152 (local.get $a) (i32.const 1))))
    (func (export "run") (param $n i32)
      (local $a i32) (local $second i32)
      (loop $round
        (local.set $second (call $barrier (local.get $a)))
        (i32.store offset=24576 (local.get $a) (i32.atomic.load offset=16384 (local.get $a)))
        (i32.store offset=32768 (local.get $a) (i32.atomic.load offset=8192 (local.get $a)))
        (call $finish (local.get $a) (local.get $second))
        (br_if $round (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 4)))
                                (i32.shl (local.get $n) (i32.const 2)))))
      (i32.atomic.store offset=40964 (i32.const 0) (local.get $n))))
  (assert_return (invoke "run" (i32.const 2048))))

(wait $T1)
(wait $T2)

(module $Check
  (memory (import "mem" "shared") 1 1 shared)
  ;; Whether (r1, r2) is an outcome the memory model allows.
  (func $allowed (param $r1 i32) (param $r2 i32) (result i32)
    (i32.and (i32.and (i32.le_u (local.get $r1) (i32.const 1))
                      (i32.or (i32.eqz (local.get $r2)) (i32.eq (local.get $r2) (i32.const 42))))
             (i32.eqz (i32.and (i32.eq (local.get $r1) (i32.const 1)) (i32.eqz (local.get $r2))))))
  ;; 1 when both threads ran $n rounds and every round's outcome is allowed.
  (func (export "check") (param $n i32) (result i32)
    (local $a i32)
    (if (i32.ne (i32.load offset=40960 (i32.const 0)) (local.get $n)) (then (return (i32.const 0))))
    (if (i32.ne (i32.load offset=40964 (i32.const 0)) (local.get $n)) (then (return (i32.const 0))))
    (loop $round
      (if (i32.eqz (call $allowed (i32.load offset=24576 (local.get $a))
                                  (i32.load offset=32768 (local.get $a))))
        (then (return (i32.const 0))))
      (br_if $round (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 4)))
                              (i32.shl (local.get $n) (i32.const 2)))))
    (i32.const 1))
  ;; How many of the $n rounds saw (r1, r2).
  (func (export "count") (param $n i32) (param $r1 i32) (param $r2 i32) (result i32)
    (local $a i32) (local $count i32)
    (loop $round
      (if (i32.and (i32.eq (i32.load offset=24576 (local.get $a)) (local.get $r1))
                   (i32.eq (i32.load offset=32768 (local.get $a)) (local.get $r2)))
        (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
      (br_if $round (i32.lt_u (local.tee $a (i32.add (local.get $a) (i32.const 4)))
                              (i32.shl (local.get $n) (i32.const 2)))))
    (local.get $count)))

(assert_return (invoke $Check "check" (i32.const 2048)) (i32.const 1))
;; The same, as a count: a failure says how many rounds were weak.
(assert_return (invoke $Check "count" (i32.const 2048) (i32.const 1) (i32.const 0))
  (i32.const 0))

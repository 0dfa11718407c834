;; A counting loop: six dependent integer instructions per iteration, 3e8 times.
(module
  (func (export "_start")
    (local $i i32) (local $x i32) (local $y i32)
    (loop $l
      (local.set $x (i32.xor (local.get $x) (local.get $i)))
      (local.set $y (i32.add (local.get $y) (local.get $x)))
      (local.set $x (i32.add (local.get $x) (local.get $y)))
      (local.set $y (i32.sub (local.get $y) (local.get $i)))
      (br_if $l (i32.ne (local.tee $i (i32.add (local.get $i) (i32.const 1))) (i32.const 300000000))))
    (if (i32.eq (local.get $x) (i32.const 7)) (then unreachable))))

;; matmul's inner loop (clang -O2 unrolled it twice): f64 loads, mul, add, stores.
(module
  (memory 1)
  (func $inner (param $c i32) (param $b i32) (param $aik f64) (param $n i32)
    (local $j i32) (local $t i32)
    (loop $l
      (f64.store (local.get $c)
        (f64.add (f64.mul (local.get $aik) (f64.load (local.get $b))) (f64.load (local.get $c))))
      (local.set $t (i32.add (local.get $c) (i32.const 8)))
      (f64.store (local.get $t)
        (f64.add (f64.mul (local.get $aik) (f64.load offset=8 (local.get $b))) (f64.load (local.get $t))))
      (local.set $c (i32.add (local.get $c) (i32.const 16)))
      (local.set $b (i32.add (local.get $b) (i32.const 16)))
      (br_if $l (i32.ne (local.get $n) (local.tee $j (i32.add (local.get $j) (i32.const 2)))))))
  (func (export "_start")
    (local $r i32)
    (loop $o
      (call $inner (i32.const 0) (i32.const 16384) (f64.const 1.5) (i32.const 2048))
      (br_if $o (i32.ne (local.tee $r (i32.add (local.get $r) (i32.const 1))) (i32.const 100000))))))

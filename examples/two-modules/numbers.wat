;; The library module of the two-modules example: arithmetic, and a
;; counter of how often it was used.
(module
  (global $uses (export "uses") (mut i32) (i32.const 0))

  (func $count
    (global.set $uses (i32.add (global.get $uses) (i32.const 1))))

  (func $square (export "square") (param $x i32) (result i32)
    (call $count)
    (i32.mul (local.get $x) (local.get $x)))

  ;; Quotient and remainder.
  (func $divmod (export "divmod") (param $a i32) (param $b i32) (result i32 i32)
    (call $count)
    (i32.div_u (local.get $a) (local.get $b))
    (i32.rem_u (local.get $a) (local.get $b)))
)

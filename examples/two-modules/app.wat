;; The application module of the two-modules example: it imports what
;; module "numbers" exports. Linked into one program, its imports call
;; the numbers module's own export functions.
(module
  (import "numbers" "square" (func $square (param i32) (result i32)))
  (import "numbers" "divmod" (func $divmod (param i32 i32) (result i32 i32)))
  (import "numbers" "uses" (global $uses (mut i32)))

  ;; 1*1 + 2*2 + ... + n*n
  (func $sum_of_squares (export "sum_of_squares") (param $n i32) (result i32)
    (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $n)))
        (local.set $sum (i32.add (local.get $sum) (call $square (local.get $n))))
        (local.set $n (i32.sub (local.get $n) (i32.const 1)))
        (br $next)))
    (local.get $sum))

  ;; Minutes and seconds of a duration in seconds.
  (func $split (export "split") (param $secs i32) (result i32 i32)
    (call $divmod (local.get $secs) (i32.const 60)))

  ;; Each item's share of a total: divides by zero without items.
  (func $share (export "share") (param $total i32) (param $items i32) (result i32)
    (drop (call $divmod (local.get $total) (local.get $items))))

  ;; How often this app's numbers module was used (an imported global).
  (func $numbers_uses (export "numbers_uses") (result i32)
    (global.get $uses))
)

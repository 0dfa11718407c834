;; A trap with a wasm backtrace:
;;   smelt run examples/trap.wat --invoke run
;;   error: wasm trap: integer divide by zero
;;     0: 0x.. - trap!divide
;;     1: 0x.. - trap!run
(module
  (func $divide (param i32 i32) (result i32)
    (i32.div_s (local.get 0) (local.get 1)))
  (func $run (export "run") (result i32)
    (call $divide (i32.const 1) (i32.const 0))))

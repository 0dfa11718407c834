;; Imports from two modules: functions (one multi-value), a memory, a
;; mutable and an immutable global. One context per import module.
(module
  (import "env" "log" (func (param i32 i32)))
  (import "env" "now" (func (result f64)))
  (import "env" "memory" (memory 1))
  (import "math" "divmod" (func (param i32 i32) (result i32 i32)))
  (import "math" "total" (global (mut i64)))
  (import "env" "base" (global i32))
  (func (export "run") (result i32) (i32.const 0))
)

;; Legacy exception handling (try/catch/catch_all/delegate/rethrow) across
;; several frames: the shape clang's -fwasm-exceptions output has (a thrower,
;; cleanup landing pads that catch_all and rethrow, a catch with a typed
;; payload further up), written by hand because Debian's clang cannot build
;; a C++ program with wasm exceptions against wasi-libc.
(module $legacy
  (tag $err (export "err") (param i32))
  (tag $other (export "other") (param i64))
  (global $cleanups (mut i32) (i32.const 0))

  ;; like `throw Error(code)` when code != 0
  (func $thrower (param i32)
    (if (local.get 0) (then (throw $err (local.get 0)))))

  ;; a destructor-style cleanup pad: runs, then rethrows
  (func $with_cleanup (param i32) (result i32)
    try (result i32)
      (call $thrower (local.get 0))
      i32.const 0
    catch_all
      (global.set $cleanups (i32.add (global.get $cleanups) (i32.const 1)))
      rethrow 0
    end)

  ;; the inner try delegates to the outer one, whose catch handles it
  (func $delegating (param i32) (result i32)
    try $outer (result i32)
      try (result i32)
        (call $with_cleanup (local.get 0))
      delegate $outer
    catch $err
      i32.const 100
      i32.add
    end)

  ;; `catch (Error e) { return 100 + e.code; }` three frames up
  (func (export "run") (param i32) (result i32)
    (call $delegating (local.get 0)))

  (func (export "cleanups") (result i32) (global.get $cleanups))

  ;; delegate to the function's own label: the exception leaves the function
  (func $delegate_out (param i32)
    try
      (call $thrower (local.get 0))
    delegate 0)
  (func (export "delegate_out") (param i32) (result i32)
    try (result i32)
      (call $delegate_out (local.get 0))
      i32.const -1
    catch $err
    end)

  ;; rethrow 1 rethrows the outer catch's exception (7), not the inner (8)
  (func (export "nested_rethrow") (result i32)
    try (result i32)
      try
        (throw $err (i32.const 7))
      catch $err
        drop
        try
          (throw $err (i32.const 8))
        catch $err
          drop
          rethrow 1
        end
      end
      i32.const 0
    catch $err
    end)

  ;; clauses are tried in order; a tag that does not match falls through
  (func (export "catch_order") (param i32) (result i64)
    try (result i64)
      (if (local.get 0)
        (then (throw $other (i64.const 42)))
        (else (throw $err (i32.const 1))))
      i64.const 0
    catch $err
      i64.extend_i32_u
    catch $other
    end)

  ;; a catch that does not match leaves the exception uncaught
  (func (export "uncaught") (param i64)
    try
      (throw $other (local.get 0))
    catch $err
      drop
    end)

  ;; a try inside a catch body is covered by outer handlers only
  (func (export "throw_in_catch") (result i32)
    try (result i32)
      try (result i32)
        (throw $err (i32.const 1))
      catch $err
        drop
        (throw $err (i32.const 2))
      end
    catch $err
      i32.const 10
      i32.add
    end)
)

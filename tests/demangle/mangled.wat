;; A call chain whose function names are what Rust and C++ toolchains
;; write into a module's name section: linker symbols. Exported `run`
;; traps (integer divide by zero) in the innermost function, so the
;; backtrace, innermost first, shows every kind of name once:
;;
;;   frame  name in the name section                                    shown as
;;   0      _ZNK8geometry5Shape4areaEi                                  geometry::Shape::area(int) const
;;   1      _ZN3foo                  (C++, truncated)                   _ZN3foo
;;   2      _RNvMNtCs6xxl1lAjzDf_1a8geometryNtB2_5Shape4area            <a::geometry::Shape>::area
;;   3      _ZN3std2rt10lang_start28_$u7b$...$u7d$17he39bdf0230cb3880E   std::rt::lang_start::{{closure}}
;;   4      _RNvNtCsjrHSEGnQ3l9_3std2rt   (Rust v0, truncated)          _RNvNtCsjrHSEGnQ3l9_3std2rt
;;   5      _RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal            std::rt::lang_start_internal
;;   6      v                        (plain; also a C++ type mangling)  v
;;   7      run                                                         run
;;
;; The well-formed names are real symbols, from `nm` of programs built
;; with clang 14 (C++, Itanium) and rustc 1.95 (Rust v0 with
;; `-C symbol-mangling-version=v0`, Rust legacy by default). Used by
;; tests/runtime_api.rs, tests/c_api.rs and cli/tests/cli.rs.
(module
  (func $_ZNK8geometry5Shape4areaEi (param i32) (result i32)
    (i32.div_s (i32.const 100) (local.get 0)))
  (func $_ZN3foo (param i32) (result i32)
    (call $_ZNK8geometry5Shape4areaEi (local.get 0)))
  (func $_RNvMNtCs6xxl1lAjzDf_1a8geometryNtB2_5Shape4area (param i32) (result i32)
    (call $_ZN3foo (local.get 0)))
  (func $_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17he39bdf0230cb3880E
    (param i32) (result i32)
    (call $_RNvMNtCs6xxl1lAjzDf_1a8geometryNtB2_5Shape4area (local.get 0)))
  (func $_RNvNtCsjrHSEGnQ3l9_3std2rt (param i32) (result i32)
    (call $_ZN3std2rt10lang_start28_$u7b$$u7b$closure$u7d$$u7d$17he39bdf0230cb3880E
      (local.get 0)))
  (func $_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal (param i32) (result i32)
    (call $_RNvNtCsjrHSEGnQ3l9_3std2rt (local.get 0)))
  (func $v (param i32) (result i32)
    (call $_RNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal (local.get 0)))
  (func $run (export "run") (result i32)
    (call $v (i32.const 0)))
  ;; A WASI-style entry point, so `smelt build` makes an executable of it.
  (func (export "_start")
    (drop (call $run))))

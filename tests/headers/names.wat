;; Names that are not C identifiers, and names that only differ in
;; underscores: the mangling keeps them apart (see compiler/src/names.rs).
(module
  (import "wasi_snapshot_preview1" "fd_write"
    (func (param i32 i32 i32 i32) (result i32)))
  (import "my-env" "a*/b" (func))
  (func (export "_start"))
  (func (export "a_b"))
  (func (export "a__b"))
  (func (export "kebab-case"))
  (func (export "0xAB"))
  (func (export "é"))
  (func (export "int"))
)

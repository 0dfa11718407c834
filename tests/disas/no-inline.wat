;;! args = --no-inline
;; The same module with --no-inline: the calls stay.
(module
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32)
    (i32.add (call $sq (local.get 0)) (call $sq (i32.const 3)))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0025                               v4 = imul v2, v2
;; @0026                               jump block1(v4)
;;
;;                                 block1(v3: i32):
;; @0026                               return v3
;; }
;;
;; function u0:1(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u0:0 sig0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @002b                               v4 = call fn0(v0, v0, v2)
;; @002d                               v5 = iconst.i32 3
;; @002f                               v6 = call fn0(v0, v0, v5)  ; v5 = 3
;; @0031                               v7 = iadd v4, v6
;; @0032                               jump block1(v7)
;;
;;                                 block1(v3: i32):
;; @0032                               return v3
;; }

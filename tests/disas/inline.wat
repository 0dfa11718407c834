;; Inlining: the small leaf $sq is inlined into its caller (the caller's
;; CLIF has no call), backtraces keep the inlined frame.
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
;;     gv2 = vmctx
;;     gv3 = load.i64 notrap aligned readonly gv2
;;     gv4 = vmctx
;;     gv5 = load.i64 notrap aligned readonly gv4
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u0:0 sig0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @002b                               jump block2
;;
;;                                 block2:
;; @80000000                           v10 = imul.i32 v2, v2
;; @80000001                           jump block3(v10)
;;
;;                                 block3(v8: i32):
;; @80000001                           jump block4(v8)
;;
;;                                 block4(v9: i32):
;;                                     v4 -> v9
;; @002d                               v5 = iconst.i32 3
;; @002f                               jump block5
;;
;;                                 block5:
;; @80000002                           v13 = imul.i32 v5, v5  ; v5 = 3, v5 = 3
;; @80000003                           jump block6(v13)
;;
;;                                 block6(v11: i32):
;; @80000003                           jump block7(v11)
;;
;;                                 block7(v12: i32):
;;                                     v6 -> v12
;; @0031                               v7 = iadd.i32 v4, v6
;; @0032                               jump block1(v7)
;;
;;                                 block1(v3: i32):
;; @0032                               return v3
;; }

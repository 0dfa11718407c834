;;! clif = optimized
;; The optimizer's output: constants folded, the redundant load of the
;; memory base shared, the bounds of a known index folded.
(module
  (memory 1)
  (func (param i32) (result i32)
    (i32.add
      (i32.load (local.get 0))
      (i32.load offset=4 (local.get 0)))
    (i32.mul (i32.const 6) (i32.const 7))
    (i32.add)))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0020                               v5 = load.i64 notrap aligned readonly can_move v0+24
;; @0020                               v4 = uextend.i64 v2
;; @0020                               v6 = iadd v5, v4
;; @0020                               v7 = load.i32 little v6
;; @0025                               v11 = load.i32 little v6+4
;; @002f                               jump block1
;;
;;                                 block1:
;; @0028                               v12 = iadd.i32 v7, v11
;;                                     v17 = iconst.i32 42
;; @002e                               v16 = iadd v12, v17  ; v17 = 42
;; @002f                               return v16
;; }

;; A 64-bit memory: always checked in code (no guard region can cover it),
;; and a second memory (multi-memory).
(module
  (memory $a i64 1)
  (memory $b 1)
  (func (param i64 i32) (result i32)
    (i32.add (i32.load $a offset=4 (local.get 0)) (i32.load $b (local.get 1)))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i64, v3: i32):
;; @0023                               v5 = load.i64 notrap aligned readonly can_move v0+56
;; @0023                               v6 = load.i64 notrap aligned v5+8
;; @0023                               v7 = iconst.i64 8
;; @0023                               v8 = uadd_overflow_trap v2, v7, heap_oob  ; v7 = 8
;; @0023                               v9 = icmp ugt v8, v6
;; @0023                               trapnz v9, heap_oob
;; @0023                               v10 = load.i64 notrap aligned readonly can_move v0+24
;; @0023                               v11 = iadd v10, v2
;; @0023                               v12 = load.i32 little v11+4
;; @0028                               v13 = uextend.i64 v3
;; @0028                               v14 = load.i64 notrap aligned readonly can_move v0+64
;; @0028                               v15 = load.i64 notrap aligned readonly can_move v14
;; @0028                               v16 = iadd v15, v13
;; @0028                               v17 = load.i32 little v16
;; @002c                               v18 = iadd v12, v17
;; @002d                               jump block1(v18)
;;
;;                                 block1(v4: i32):
;; @002d                               return v4
;; }

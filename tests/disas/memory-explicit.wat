;;! args = --bounds-checks explicit
;; The same accesses with explicit bounds checks: each compares against the
;; current length.
(module
  (memory 1)
  (func (param i32) (result i32)
    (i32.store offset=8 (local.get 0) (i32.const 7))
    (i32.add (i32.load8_s offset=3 (local.get 0)) (i32.load16_u (local.get 0))))
  (func (param i32) (result i64)
    (i64.load32_s offset=16 align=4 (local.get 0))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0026                               v4 = iconst.i32 7
;; @0028                               v5 = uextend.i64 v2
;; @0028                               v6 = load.i64 notrap aligned readonly can_move v0+56
;; @0028                               v7 = load.i64 notrap aligned v6+8
;; @0028                               v8 = iconst.i64 12
;; @0028                               v9 = iadd v5, v8  ; v8 = 12
;; @0028                               v10 = icmp ugt v9, v7
;; @0028                               trapnz v10, heap_oob
;; @0028                               v11 = load.i64 notrap aligned readonly can_move v0+24
;; @0028                               v12 = iadd v11, v5
;; @0028                               store little v4, v12+8  ; v4 = 7
;; @002d                               v13 = uextend.i64 v2
;; @002d                               v14 = load.i64 notrap aligned readonly can_move v0+56
;; @002d                               v15 = load.i64 notrap aligned v14+8
;; @002d                               v16 = iconst.i64 4
;; @002d                               v17 = iadd v13, v16  ; v16 = 4
;; @002d                               v18 = icmp ugt v17, v15
;; @002d                               trapnz v18, heap_oob
;; @002d                               v19 = load.i64 notrap aligned readonly can_move v0+24
;; @002d                               v20 = iadd v19, v13
;; @002d                               v21 = sload8.i32 little v20+3
;; @0032                               v22 = uextend.i64 v2
;; @0032                               v23 = load.i64 notrap aligned readonly can_move v0+56
;; @0032                               v24 = load.i64 notrap aligned v23+8
;; @0032                               v25 = iconst.i64 2
;; @0032                               v26 = iadd v22, v25  ; v25 = 2
;; @0032                               v27 = icmp ugt v26, v24
;; @0032                               trapnz v27, heap_oob
;; @0032                               v28 = load.i64 notrap aligned readonly can_move v0+24
;; @0032                               v29 = iadd v28, v22
;; @0032                               v30 = uload16.i32 little v29
;; @0035                               v31 = iadd v21, v30
;; @0036                               jump block1(v31)
;;
;;                                 block1(v3: i32):
;; @0036                               return v3
;; }
;;
;; function u0:1(i64 vmctx, i64, i32) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @003b                               v4 = uextend.i64 v2
;; @003b                               v5 = load.i64 notrap aligned readonly can_move v0+56
;; @003b                               v6 = load.i64 notrap aligned v5+8
;; @003b                               v7 = iconst.i64 20
;; @003b                               v8 = iadd v4, v7  ; v7 = 20
;; @003b                               v9 = icmp ugt v8, v6
;; @003b                               trapnz v9, heap_oob
;; @003b                               v10 = load.i64 notrap aligned readonly can_move v0+24
;; @003b                               v11 = iadd v10, v4
;; @003b                               v12 = sload32 little v11+16
;; @003e                               jump block1(v12)
;;
;;                                 block1(v3: i64):
;; @003e                               return v3
;; }

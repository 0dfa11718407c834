;; Loads and stores with the default guard-page bounds checks: no compare
;; in code for a 32-bit memory, the offset folded into the address.
(module
  (memory 1)
  (func (param i32) (result i32)
    (i32.store offset=8 (local.get 0) (i32.const 7))
    (i32.add (i32.load8_s offset=3 (local.get 0)) (i32.load16_u (local.get 0))))
  (func (param i32) (result i64)
    (i64.load32_s offset=16 align=4 (local.get 0)))
  (func (result i32) (memory.grow (i32.const 1)))
  (func (result i32) (memory.size)))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @002c                               v4 = iconst.i32 7
;; @002e                               v5 = uextend.i64 v2
;; @002e                               v6 = load.i64 notrap aligned readonly can_move v0+24
;; @002e                               v7 = iadd v6, v5
;; @002e                               store little v4, v7+8  ; v4 = 7
;; @0033                               v8 = uextend.i64 v2
;; @0033                               v9 = load.i64 notrap aligned readonly can_move v0+24
;; @0033                               v10 = iadd v9, v8
;; @0033                               v11 = sload8.i32 little v10+3
;; @0038                               v12 = uextend.i64 v2
;; @0038                               v13 = load.i64 notrap aligned readonly can_move v0+24
;; @0038                               v14 = iadd v13, v12
;; @0038                               v15 = uload16.i32 little v14
;; @003b                               v16 = iadd v11, v15
;; @003c                               jump block1(v16)
;;
;;                                 block1(v3: i32):
;; @003c                               return v3
;; }
;;
;; function u0:1(i64 vmctx, i64, i32) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0041                               v4 = uextend.i64 v2
;; @0041                               v5 = load.i64 notrap aligned readonly can_move v0+24
;; @0041                               v6 = iadd v5, v4
;; @0041                               v7 = sload32 little v6+16
;; @0044                               jump block1(v7)
;;
;;                                 block1(v3: i64):
;; @0044                               return v3
;; }
;;
;; function u0:2(i64 vmctx, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64, i32 uext, i64) -> i64 system_v
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64):
;; @0047                               v3 = iconst.i32 1
;; @0049                               v4 = uextend.i64 v3  ; v3 = 1
;; @0049                               v5 = iconst.i32 0
;; @0049                               v6 = load.i64 notrap aligned readonly can_move v0+16
;; @0049                               v7 = load.i64 notrap aligned readonly can_move v6
;; @0049                               v8 = call_indirect sig0, v7(v0, v5, v4)  ; v5 = 0
;; @0049                               v9 = ireduce.i32 v8
;; @004b                               jump block1(v9)
;;
;;                                 block1(v2: i32):
;; @004b                               return v2
;; }
;;
;; function u0:3(i64 vmctx, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64):
;; @004e                               v3 = load.i64 notrap aligned readonly can_move v0+64
;; @004e                               v4 = load.i64 notrap aligned v3+8
;; @004e                               v5 = iconst.i64 16
;; @004e                               v6 = ushr v4, v5  ; v5 = 16
;; @004e                               v7 = ireduce.i32 v6
;; @0050                               jump block1(v7)
;;
;;                                 block1(v2: i32):
;; @0050                               return v2
;; }

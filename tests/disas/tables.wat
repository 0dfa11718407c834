;; Table and reference instructions, bulk memory, globals.
(module
  (memory 1)
  (table $t 2 10 funcref)
  (global $g (mut i32) (i32.const 0))
  (global $k i64 (i64.const 42))
  (data $d "hello")
  (elem $e func $f)
  (func $f)
  (func (param i32) (result funcref) (table.get $t (local.get 0)))
  (func (result i32) (table.grow $t (ref.null func) (i32.const 1)))
  (func (result i32) (table.size $t))
  (func (param i32 i32 i32)
    (memory.copy (local.get 0) (local.get 1) (local.get 2))
    (memory.fill (local.get 0) (i32.const 0) (local.get 2))
    (memory.init $d (local.get 0) (i32.const 0) (i32.const 5))
    (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1)))
  (func (result i64)
    (global.set $g (i32.add (global.get $g) (i32.const 1)))
    (global.get $k)))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64) tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64):
;; @0052                               jump block1
;;
;;                                 block1:
;; @0052                               return
;; }
;;
;; function u0:1(i64 vmctx, i64, i32) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0057                               v4 = load.i64 notrap aligned readonly can_move v0+80
;; @0057                               v5 = load.i64 notrap aligned v4+8
;; @0057                               v6 = uextend.i64 v2
;; @0057                               v7 = icmp uge v6, v5
;; @0057                               trapnz v7, user8
;; @0057                               v8 = load.i64 notrap aligned v4
;; @0057                               v9 = iconst.i64 3
;; @0057                               v10 = ishl v6, v9  ; v9 = 3
;; @0057                               v11 = iadd v8, v10
;; @0057                               v12 = load.i64 notrap aligned v11
;; @0059                               jump block1(v12)
;;
;;                                 block1(v3: i64):
;; @0059                               return v3
;; }
;;
;; function u0:2(i64 vmctx, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64, i32 uext, i64, i64) -> i64 system_v
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64):
;; @005c                               v3 = iconst.i64 0
;; @005e                               v4 = iconst.i32 1
;; @0060                               v5 = iconst.i32 0
;; @0060                               v6 = uextend.i64 v4  ; v4 = 1
;; @0060                               v7 = load.i64 notrap aligned readonly can_move v0+16
;; @0060                               v8 = load.i64 notrap aligned readonly can_move v7+40
;; @0060                               v9 = call_indirect sig0, v8(v0, v5, v3, v6)  ; v5 = 0, v3 = 0
;; @0060                               v10 = ireduce.i32 v9
;; @0063                               jump block1(v10)
;;
;;                                 block1(v2: i32):
;; @0063                               return v2
;; }
;;
;; function u0:3(i64 vmctx, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64):
;; @0066                               v3 = load.i64 notrap aligned readonly can_move v0+80
;; @0066                               v4 = load.i64 notrap aligned v3+8
;; @0066                               v5 = ireduce.i32 v4
;; @0069                               jump block1(v5)
;;
;;                                 block1(v2: i32):
;; @0069                               return v2
;; }
;;
;; function u0:4(i64 vmctx, i64, i32, i32, i32) tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64, i32 uext, i32 uext, i64, i64, i64) -> i32 uext system_v
;;     sig1 = (i64, i32 uext, i64, i32 uext, i64) -> i32 uext system_v
;;     sig2 = (i64, i32 uext, i32 uext, i64, i32 uext, i32 uext) -> i32 uext system_v
;;     sig3 = (i64, i32 uext, i32 uext, i64, i32 uext, i32 uext) -> i32 uext system_v
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i32, v4: i32):
;; @0072                               v5 = iconst.i32 0
;; @0072                               v6 = iconst.i32 0
;; @0072                               v7 = uextend.i64 v2
;; @0072                               v8 = uextend.i64 v3
;; @0072                               v9 = uextend.i64 v4
;; @0072                               v10 = load.i64 notrap aligned readonly can_move v0+16
;; @0072                               v11 = load.i64 notrap aligned readonly can_move v10+16
;; @0072                               v12 = call_indirect sig0, v11(v0, v5, v6, v7, v8, v9)  ; v5 = 0, v6 = 0
;; @0072                               trapnz v12, user250
;; @0078                               v13 = iconst.i32 0
;; @007c                               v14 = iconst.i32 0
;; @007c                               v15 = uextend.i64 v2
;; @007c                               v16 = uextend.i64 v4
;; @007c                               v17 = load.i64 notrap aligned readonly can_move v0+16
;; @007c                               v18 = load.i64 notrap aligned readonly can_move v17+8
;; @007c                               v19 = call_indirect sig1, v18(v0, v14, v15, v13, v16)  ; v14 = 0, v13 = 0
;; @007c                               trapnz v19, user250
;; @0081                               v20 = iconst.i32 0
;; @0083                               v21 = iconst.i32 5
;; @0085                               v22 = iconst.i32 0
;; @0085                               v23 = iconst.i32 0
;; @0085                               v24 = uextend.i64 v2
;; @0085                               v25 = load.i64 notrap aligned readonly can_move v0+16
;; @0085                               v26 = load.i64 notrap aligned readonly can_move v25+24
;; @0085                               v27 = call_indirect sig2, v26(v0, v22, v23, v24, v20, v21)  ; v22 = 0, v23 = 0, v20 = 0, v21 = 5
;; @0085                               trapnz v27, user250
;; @0089                               v28 = iconst.i32 0
;; @008b                               v29 = iconst.i32 0
;; @008d                               v30 = iconst.i32 1
;; @008f                               v31 = iconst.i32 0
;; @008f                               v32 = iconst.i32 0
;; @008f                               v33 = uextend.i64 v28  ; v28 = 0
;; @008f                               v34 = load.i64 notrap aligned readonly can_move v0+16
;; @008f                               v35 = load.i64 notrap aligned readonly can_move v34+64
;; @008f                               v36 = call_indirect sig3, v35(v0, v31, v32, v33, v29, v30)  ; v31 = 0, v32 = 0, v29 = 0, v30 = 1
;; @008f                               trapnz v36, user250
;; @0093                               jump block1
;;
;;                                 block1:
;; @0093                               return
;; }
;;
;; function u0:5(i64 vmctx, i64) -> i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64):
;; @0096                               v3 = load.i32 notrap aligned v0+96
;; @0098                               v4 = iconst.i32 1
;; @009a                               v5 = iadd v3, v4  ; v4 = 1
;; @009b                               store notrap aligned v5, v0+96
;; @009d                               v6 = iconst.i64 42
;; @009f                               jump block1(v6)  ; v6 = 42
;;
;;                                 block1(v2: i64):
;; @009f                               return v2
;; }

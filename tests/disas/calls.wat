;; Direct calls, call_indirect (type check and null check through the
;; table), call_ref and a return_call.
(module
  (type $t (func (param i32) (result i32)))
  (table 4 funcref)
  (elem (i32.const 0) func $double)
  (func $double (type $t) (i32.shl (local.get 0) (i32.const 1)))
  (func (param i32 i32) (result i32)
    (call_indirect (type $t) (local.get 0) (local.get 1)))
  (func (param i32) (result i32)
    (call_ref $t (local.get 0) (ref.func $double)))
  (func (param i32) (result i32)
    (return_call $double (local.get 0)))
  (func (export "f") (param i32) (result i32)
    (call $double (local.get 0))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @003b                               v4 = iconst.i32 1
;; @003d                               v5 = ishl v2, v4  ; v4 = 1
;; @003e                               jump block1(v5)
;;
;;                                 block1(v3: i32):
;; @003e                               return v3
;; }
;;
;; function u0:1(i64 vmctx, i64, i32, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i32):
;; @0045                               v5 = load.i64 notrap aligned readonly can_move v0+56
;; @0045                               v6 = load.i64 notrap aligned v5+8
;; @0045                               v7 = uextend.i64 v3
;; @0045                               v8 = icmp uge v7, v6
;; @0045                               trapnz v8, user9
;; @0045                               v9 = load.i64 notrap aligned v5
;; @0045                               v10 = iconst.i64 3
;; @0045                               v11 = ishl v7, v10  ; v10 = 3
;; @0045                               v12 = iadd v9, v11
;; @0045                               v13 = load.i64 notrap aligned v12
;; @0045                               v14 = load.i32 user6 aligned readonly v13+16
;; @0045                               v15 = load.i32 notrap aligned readonly can_move v0+48
;; @0045                               v16 = icmp ne v14, v15
;; @0045                               trapnz v16, user7
;; @0045                               v17 = load.i64 notrap aligned readonly v13
;; @0045                               v18 = load.i64 notrap aligned readonly v13+8
;; @0045                               v19 = call_indirect sig0, v17(v18, v0, v2)
;; @0048                               jump block1(v19)
;;
;;                                 block1(v4: i32):
;; @0048                               return v4
;; }
;;
;; function u0:2(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @004d                               v4 = iconst.i64 64
;; @004d                               v5 = iadd v0, v4  ; v4 = 64
;; @004f                               v6 = load.i64 user17 aligned readonly v5
;; @004f                               v7 = load.i64 notrap aligned readonly v5+8
;; @004f                               v8 = call_indirect sig0, v6(v7, v0, v2)
;; @0051                               jump block1(v8)
;;
;;                                 block1(v3: i32):
;; @0051                               return v3
;; }
;;
;; function u0:3(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u0:0 sig0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0056                               return_call fn0(v0, v0, v2)
;; }
;;
;; function u0:4(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     gv2 = vmctx
;;     gv3 = load.i64 notrap aligned readonly gv2
;;     sig0 = (i64 vmctx, i64, i32) -> i32 tail
;;     fn0 = colocated u0:0 sig0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @005d                               jump block2
;;
;;                                 block2:
;; @80000000                           v7 = iconst.i32 1
;; @80000001                           v8 = ishl.i32 v2, v7  ; v7 = 1
;; @80000002                           jump block3(v8)
;;
;;                                 block3(v5: i32):
;; @80000002                           jump block4(v5)
;;
;;                                 block4(v6: i32):
;;                                     v4 -> v6
;; @005f                               jump block1(v4)
;;
;;                                 block1(v3: i32):
;; @005f                               return v3
;; }

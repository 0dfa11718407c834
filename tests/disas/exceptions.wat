;; Exceptions: throw, try_table catching a tag (the handler is an exception
;; table entry on the call), throw_ref.
(module
  (tag $e (param i32))
  (func $thrower (param i32) (throw $e (local.get 0)))
  (func (param i32) (result i32)
    (block $h (result i32)
      (try_table (catch $e $h)
        (call $thrower (local.get 0)))
      (i32.const -1))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64, i32 uext) -> i64 system_v
;;     sig1 = (i64 vmctx, i64) tail
;;     fn0 = colocated u0:6 sig1
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0025                               v3 = iconst.i32 0
;; @0025                               v4 = load.i64 notrap aligned readonly can_move v0+16
;; @0025                               v5 = load.i64 notrap aligned readonly can_move v4+112
;; @0025                               v6 = call_indirect sig0, v5(v0, v3)  ; v3 = 0
;; @0025                               store notrap aligned v2, v6+16
;; @0025                               call fn0(v0, v6)
;; @0025                               trap user1
;; }
;;
;; function u0:1(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64 vmctx, i64, i32) tail
;;     fn0 = colocated u0:0 sig0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0034                               try_call fn0(v0, v0, v2), sig0, block5, [ context v0, tag0: block3(exn0) ]
;;
;;                                 block5:
;; @0036                               jump block4
;;
;;                                 block3(v5: i64) cold:
;; @0036                               v6 = load.i32 notrap aligned v5+16
;; @0036                               jump block2(v6)
;;
;;                                 block4:
;; @0037                               v7 = iconst.i32 -1
;; @0039                               jump block2(v7)  ; v7 = -1
;;
;;                                 block2(v4: i32):
;; @003a                               jump block1(v4)
;;
;;                                 block1(v3: i32):
;; @003a                               return v3
;; }

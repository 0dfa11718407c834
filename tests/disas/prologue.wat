;;! args = --interruptible
;; Function entry: the stack limit (checked in the prologue against the
;; vmctx's limit), and with --interruptible the poll of the interrupt flag
;; at the entry and at each loop header.
(module
  (func (export "spin") (param i32)
    (loop $l
      (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;;                                     v3 = load.i64 notrap aligned readonly can_move v0+32
;;                                     v4 = atomic_load.i32 notrap aligned v3
;;                                     trapnz v4, user16
;; @0022                               jump block2(v2)
;;
;;                                 block2(v7: i32):
;; @0022                               v5 = load.i64 notrap aligned readonly can_move v0+32
;; @0022                               v6 = atomic_load.i32 notrap aligned v5
;; @0022                               trapnz v6, user16
;; @0026                               v8 = iconst.i32 1
;; @0028                               v9 = isub v7, v8  ; v8 = 1
;; @002b                               brif v9, block2(v9), block4
;;
;;                                 block4:
;; @002d                               jump block3
;;
;;                                 block3:
;; @002e                               jump block1
;;
;;                                 block1:
;; @002e                               return
;; }

;; Blocks, loops, if/else with results, br_if, br_table, select, return.
(module
  (func (param i32) (result i32)
    (local i32)
    (block $done
      (loop $l
        (br_if $done (i32.eqz (local.get 0)))
        (local.set 1 (i32.add (local.get 1) (local.get 0)))
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br $l)))
    (local.get 1))
  (func (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (i32.const 1))
      (else (select (i32.const 2) (i32.const 3) (local.get 0)))))
  (func (param i32) (result i32)
    (block (block (block
      (br_table 0 1 2 (local.get 0)))
      (return (i32.const 10)))
      (return (i32.const 20)))
    (i32.const 30)))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;;                                     v3 = iconst.i32 0
;; @001f                               jump block3(v2, v3)  ; v3 = 0
;;
;;                                 block3(v5: i32, v9: i32):
;; @0023                               v6 = iconst.i32 0
;; @0023                               v7 = icmp eq v5, v6  ; v6 = 0
;; @0023                               v8 = uextend.i32 v7
;; @0024                               brif v8, block2, block5
;;
;;                                 block5:
;; @002a                               v10 = iadd.i32 v9, v5
;; @002f                               v11 = iconst.i32 1
;; @0031                               v12 = isub.i32 v5, v11  ; v11 = 1
;; @0034                               jump block3(v12, v10)
;;
;;                                 block2:
;; @003a                               jump block1(v9)
;;
;;                                 block1(v4: i32):
;; @003a                               return v4
;; }
;;
;; function u0:1(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @003f                               brif v2, block2, block3
;;
;;                                 block2:
;; @0041                               v5 = iconst.i32 1
;; @0043                               jump block4(v5)  ; v5 = 1
;;
;;                                 block3:
;; @0044                               v6 = iconst.i32 2
;; @0046                               v7 = iconst.i32 3
;; @004a                               v8 = select v2, v6, v7  ; v6 = 2, v7 = 3
;; @004b                               jump block4(v8)
;;
;;                                 block4(v4: i32):
;; @004c                               jump block1(v4)
;;
;;                                 block1(v3: i32):
;; @004c                               return v3
;; }
;;
;; function u0:2(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0057                               br_table v2, block2, [block4, block3]
;;
;;                                 block4:
;; @005d                               v4 = iconst.i32 10
;; @005f                               return v4  ; v4 = 10
;;
;;                                 block3:
;; @0061                               v5 = iconst.i32 20
;; @0063                               return v5  ; v5 = 20
;;
;;                                 block2:
;; @0065                               v6 = iconst.i32 30
;; @0067                               jump block1(v6)  ; v6 = 30
;;
;;                                 block1(v3: i32):
;; @0067                               return v3
;; }

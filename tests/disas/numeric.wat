;;! args = -O2
;; Integer and float arithmetic, comparisons, conversions, wide arithmetic.
(module
  (func (param i32 i32) (result i32)
    (i32.add (i32.mul (local.get 0) (local.get 1)) (i32.rotl (local.get 0) (i32.const 3))))
  (func (param i64 i64) (result i32)
    (i64.lt_u (i64.div_s (local.get 0) (local.get 1)) (i64.popcnt (local.get 1))))
  (func (param f64 f32) (result f64)
    (f64.add (f64.sqrt (local.get 0)) (f64.promote_f32 (f32.nearest (local.get 1)))))
  (func (param f32) (result i32 i64)
    (i32.trunc_f32_s (local.get 0))
    (i64.trunc_sat_f32_u (local.get 0)))
  (func (param i64 i64 i64 i64) (result i64 i64)
    (i64.add128 (local.get 0) (local.get 1) (local.get 2) (local.get 3))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32, v3: i32):
;; @003d                               v5 = imul v2, v3
;; @0040                               v6 = iconst.i32 3
;; @0042                               v7 = rotl v2, v6  ; v6 = 3
;; @0043                               v8 = iadd v5, v7
;; @0044                               jump block1(v8)
;;
;;                                 block1(v4: i32):
;; @0044                               return v4
;; }
;;
;; function u0:1(i64 vmctx, i64, i64, i64) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i64, v3: i64):
;; @004b                               v5 = sdiv v2, v3
;; @004e                               v6 = popcnt v3
;; @004f                               v7 = icmp ult v5, v6
;; @004f                               v8 = uextend.i32 v7
;; @0050                               jump block1(v8)
;;
;;                                 block1(v4: i32):
;; @0050                               return v4
;; }
;;
;; function u0:2(i64 vmctx, i64, f64, f32) -> f64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: f64, v3: f32):
;; @0055                               v5 = sqrt v2
;; @0058                               v6 = nearest v3
;; @0059                               v7 = fpromote.f64 v6
;; @005a                               v8 = fadd v5, v7
;; @005b                               jump block1(v8)
;;
;;                                 block1(v4: f64):
;; @005b                               return v4
;; }
;;
;; function u0:3(i64 vmctx, i64, f32) -> i32, i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: f32):
;; @0060                               v5 = fcvt_to_sint.i32 v2
;; @0063                               v6 = fcvt_to_uint_sat.i64 v2
;; @0065                               jump block1(v5, v6)
;;
;;                                 block1(v3: i32, v4: i64):
;; @0065                               return v3, v4
;; }
;;
;; function u0:4(i64 vmctx, i64, i64, i64, i64, i64) -> i64, i64 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i64, v3: i64, v4: i64, v5: i64):
;; @0070                               v8 = iconcat v2, v3
;; @0070                               v9 = iconcat v4, v5
;; @0070                               v10 = iadd v8, v9
;; @0070                               v11, v12 = isplit v10
;; @0072                               jump block1(v11, v12)
;;
;;                                 block1(v6: i64, v7: i64):
;; @0072                               return v6, v7
;; }

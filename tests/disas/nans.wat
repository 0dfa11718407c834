;;! args = --canonicalize-nans
;; --canonicalize-nans: every float result that may be a NaN is replaced by
;; the canonical NaN (scalar and SIMD).
(module
  (func (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1)))
  (func (param v128 v128) (result v128) (f64x2.mul (local.get 0) (local.get 1))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, f32, f32) -> f32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: f32, v3: f32):
;; @0025                               v6 = fadd v2, v3
;; @0025                               v7 = fcmp uno v6, v6
;; @0025                               brif v7, block3, block2(v6)
;;
;;                                 block2(v5: f32):
;; @0026                               jump block1(v5)
;;
;;                                 block1(v4: f32):
;; @0026                               return v4
;;
;;                                 block3 cold:
;; @0025                               v8 = f32const +NaN
;; @0025                               jump block2(v8)  ; v8 = +NaN
;; }
;;
;; function u0:1(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @002d                               v5 = bitcast.f64x2 little v3
;; @002d                               v6 = bitcast.f64x2 little v2
;; @002d                               v9 = fmul v6, v5
;; @002d                               v10 = f64const +NaN
;; @002d                               v11 = splat.f64x2 v10  ; v10 = +NaN
;; @002d                               v12 = fcmp uno v9, v9
;; @002d                               v13 = bitcast.f64x2 v12
;; @002d                               v7 = bitselect v13, v11, v9
;; @002d                               v8 = bitcast.i8x16 little v7
;; @0030                               jump block1(v8)
;;
;;                                 block1(v4: i8x16):
;; @0030                               return v4
;; }

;; Relaxed SIMD: the deterministic choices (the same as the plain SIMD
;; operators, or fused where the target has FMA).
(module
  (func (param v128 v128 v128) (result v128)
    (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (param v128 v128) (result v128)
    (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (param v128) (result v128)
    (i32x4.relaxed_trunc_f32x4_s (local.get 0))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i8x16, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16, v4: i8x16):
;; @002e                               v6 = bitcast.f32x4 little v4
;; @002e                               v7 = bitcast.f32x4 little v3
;; @002e                               v8 = bitcast.f32x4 little v2
;; @002e                               v9 = fmul v8, v7
;; @002e                               v10 = fadd v9, v6
;; @002e                               v11 = bitcast.i8x16 little v10
;; @0031                               jump block1(v11)
;;
;;                                 block1(v5: i8x16):
;; @0031                               return v5
;; }
;;
;; function u0:1(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @0038                               v5 = swizzle v2, v3
;; @003b                               jump block1(v5)
;;
;;                                 block1(v4: i8x16):
;; @003b                               return v4
;; }
;;
;; function u0:2(i64 vmctx, i64, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16):
;; @0040                               v4 = bitcast.f32x4 little v2
;; @0040                               v5 = fcvt_to_sint_sat.i32x4 v4
;; @0040                               v6 = bitcast.i8x16 little v5
;; @0043                               jump block1(v6)
;;
;;                                 block1(v3: i8x16):
;; @0043                               return v3
;; }

;; SIMD: lane arithmetic, shuffles, lanes, comparisons, conversions and
;; v128 memory accesses (canonical I8X16 with bitcasts around each operator).
(module
  (memory 1)
  (func (param v128 v128) (result v128)
    (i32x4.add (local.get 0) (i32x4.mul (local.get 0) (local.get 1))))
  (func (param v128 v128) (result v128)
    (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get 0) (local.get 1)))
  (func (param v128) (result i32)
    (i32.add (i8x16.extract_lane_s 3 (local.get 0)) (i32x4.bitmask (local.get 0))))
  (func (param v128 v128) (result v128)
    (f32x4.pmin (local.get 0) (f32x4.convert_i32x4_u (local.get 1))))
  (func (param i32) (result v128)
    (v128.store offset=16 (local.get 0) (v128.load8x8_s (local.get 0)))
    (v128.load32_splat (local.get 0))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @0033                               v5 = bitcast.i32x4 little v3
;; @0033                               v6 = bitcast.i32x4 little v2
;; @0033                               v7 = imul v6, v5
;; @0033                               v8 = bitcast.i8x16 little v7
;; @0036                               v9 = bitcast.i32x4 little v8
;; @0036                               v10 = bitcast.i32x4 little v2
;; @0036                               v11 = iadd v10, v9
;; @0036                               v12 = bitcast.i8x16 little v11
;; @0039                               jump block1(v12)
;;
;;                                 block1(v4: i8x16):
;; @0039                               return v4
;; }
;;
;; function u0:1(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @0040                               v5 = shuffle v2, v3, 0x1f0e1d0c1b0a19081706150413021100
;; @0052                               jump block1(v5)
;;
;;                                 block1(v4: i8x16):
;; @0052                               return v4
;; }
;;
;; function u0:2(i64 vmctx, i64, i8x16) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16):
;; @0057                               v4 = extractlane v2, 3
;; @0057                               v5 = sextend.i32 v4
;; @005c                               v6 = bitcast.i32x4 little v2
;; @005c                               v7 = vhigh_bits.i32 v6
;; @005f                               v8 = iadd v5, v7
;; @0060                               jump block1(v8)
;;
;;                                 block1(v3: i32):
;; @0060                               return v3
;; }
;;
;; function u0:3(i64 vmctx, i64, i8x16, i8x16) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i8x16, v3: i8x16):
;; @0067                               v5 = bitcast.i32x4 little v3
;; @0067                               v6 = fcvt_from_uint.f32x4 v5
;; @0067                               v7 = bitcast.i8x16 little v6
;; @006a                               v8 = bitcast.f32x4 little v7
;; @006a                               v9 = bitcast.f32x4 little v2
;; @006a                               v10 = fcmp lt v8, v9
;; @006a                               v11 = bitcast.f32x4 little v10
;; @006a                               v12 = bitselect v11, v8, v9
;; @006a                               v13 = bitcast.i8x16 little v12
;; @006d                               jump block1(v13)
;;
;;                                 block1(v4: i8x16):
;; @006d                               return v4
;; }
;;
;; function u0:4(i64 vmctx, i64, i32) -> i8x16 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0074                               v4 = uextend.i64 v2
;; @0074                               v5 = load.i64 notrap aligned readonly can_move v0+24
;; @0074                               v6 = iadd v5, v4
;; @0074                               v7 = sload8x8 little v6
;; @0074                               v8 = bitcast.i8x16 little v7
;; @0078                               v9 = uextend.i64 v2
;; @0078                               v10 = load.i64 notrap aligned readonly can_move v0+24
;; @0078                               v11 = iadd v10, v9
;; @0078                               store little v8, v11+16
;; @007e                               v12 = uextend.i64 v2
;; @007e                               v13 = load.i64 notrap aligned readonly can_move v0+24
;; @007e                               v14 = iadd v13, v12
;; @007e                               v15 = load.i32 little v14
;; @007e                               v16 = splat.i32x4 v15
;; @007e                               v17 = bitcast.i8x16 little v16
;; @0082                               jump block1(v17)
;;
;;                                 block1(v3: i8x16):
;; @0082                               return v3
;; }

;; Threads: atomic loads, stores, read-modify-write, cmpxchg, wait/notify
;; and fences on a shared memory (alignment checked in code).
(module
  (memory 1 1 shared)
  (func (param i32) (result i32)
    (i32.atomic.store (local.get 0) (i32.const 1))
    (drop (i32.atomic.rmw.add (local.get 0) (i32.const 2)))
    (drop (i64.atomic.rmw8.cmpxchg_u (local.get 0) (i64.const 0) (i64.const 1)))
    (atomic.fence)
    (i32.atomic.load16_u (local.get 0)))
  (func (param i32) (result i32)
    (drop (memory.atomic.notify (local.get 0) (i32.const 1)))
    (memory.atomic.wait32 (local.get 0) (i32.const 0) (i64.const -1))))

;; ==== expected ====
;; function u0:0(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @0022                               v4 = iconst.i32 1
;; @0024                               v5 = uextend.i64 v2
;; @0024                               v6 = iconst.i64 0
;; @0024                               v7 = iadd v5, v6  ; v6 = 0
;; @0024                               v8 = iconst.i64 3
;; @0024                               v9 = band v7, v8  ; v8 = 3
;; @0024                               trapnz v9, user15
;; @0024                               v10 = uextend.i64 v2
;; @0024                               v11 = load.i64 notrap aligned readonly can_move v0+24
;; @0024                               v12 = iadd v11, v10
;; @0024                               atomic_store little v4, v12  ; v4 = 1
;; @002a                               v13 = iconst.i32 2
;; @002c                               v14 = uextend.i64 v2
;; @002c                               v15 = iconst.i64 0
;; @002c                               v16 = iadd v14, v15  ; v15 = 0
;; @002c                               v17 = iconst.i64 3
;; @002c                               v18 = band v16, v17  ; v17 = 3
;; @002c                               trapnz v18, user15
;; @002c                               v19 = uextend.i64 v2
;; @002c                               v20 = load.i64 notrap aligned readonly can_move v0+24
;; @002c                               v21 = iadd v20, v19
;; @002c                               v22 = atomic_rmw.i32 add v21, v13  ; v13 = 2
;; @0033                               v23 = iconst.i64 0
;; @0035                               v24 = iconst.i64 1
;; @0037                               v25 = uextend.i64 v2
;; @0037                               v26 = load.i64 notrap aligned readonly can_move v0+24
;; @0037                               v27 = iadd v26, v25
;; @0037                               v28 = ireduce.i8 v23  ; v23 = 0
;; @0037                               v29 = ireduce.i8 v24  ; v24 = 1
;; @0037                               v30 = atomic_cas v27, v28, v29
;; @0037                               v31 = uextend.i64 v30
;; @003c                               fence
;; @0041                               v32 = uextend.i64 v2
;; @0041                               v33 = iconst.i64 0
;; @0041                               v34 = iadd v32, v33  ; v33 = 0
;; @0041                               v35 = iconst.i64 1
;; @0041                               v36 = band v34, v35  ; v35 = 1
;; @0041                               trapnz v36, user15
;; @0041                               v37 = uextend.i64 v2
;; @0041                               v38 = load.i64 notrap aligned readonly can_move v0+24
;; @0041                               v39 = iadd v38, v37
;; @0041                               v40 = atomic_load.i16 little v39
;; @0041                               v41 = uextend.i32 v40
;; @0045                               jump block1(v41)
;;
;;                                 block1(v3: i32):
;; @0045                               return v3
;; }
;;
;; function u0:1(i64 vmctx, i64, i32) -> i32 tail {
;;     gv0 = vmctx
;;     gv1 = load.i64 notrap aligned readonly gv0
;;     sig0 = (i64, i32 uext, i64, i32 uext) -> i32 uext system_v
;;     sig1 = (i64, i32 uext, i64, i32 uext, i64) -> i32 uext system_v
;;     stack_limit = gv1
;;
;;                                 block0(v0: i64, v1: i64, v2: i32):
;; @004a                               v4 = iconst.i32 1
;; @004c                               v5 = uextend.i64 v2
;; @004c                               v6 = iconst.i32 0
;; @004c                               v7 = load.i64 notrap aligned readonly can_move v0+16
;; @004c                               v8 = load.i64 notrap aligned readonly can_move v7+88
;; @004c                               v9 = call_indirect sig0, v8(v0, v6, v5, v4)  ; v6 = 0, v4 = 1
;; @004c                               v10 = iconst.i32 -1
;; @004c                               v11 = icmp eq v9, v10  ; v10 = -1
;; @004c                               trapnz v11, user250
;; @0053                               v12 = iconst.i32 0
;; @0055                               v13 = iconst.i64 -1
;; @0057                               v14 = uextend.i64 v2
;; @0057                               v15 = iconst.i32 0
;; @0057                               v16 = load.i64 notrap aligned readonly can_move v0+16
;; @0057                               v17 = load.i64 notrap aligned readonly can_move v16+96
;; @0057                               v18 = call_indirect sig1, v17(v0, v15, v14, v12, v13)  ; v15 = 0, v12 = 0, v13 = -1
;; @0057                               v19 = iconst.i32 -1
;; @0057                               v20 = icmp eq v18, v19  ; v19 = -1
;; @0057                               trapnz v20, user250
;; @005b                               jump block1(v18)
;;
;;                                 block1(v3: i32):
;; @005b                               return v3
;; }

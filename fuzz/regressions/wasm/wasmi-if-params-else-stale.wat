;; wasmi 2.0.0: the else path of an `if` with block parameters, whose then
;; arm holds a loop, reads the f64 below the parameters (local 6 = 0.0)
;; from a slot only the then path writes, so global 1 (export "5") gets
;; stale bits instead of 0, differently from run to run. Reduced from seed
;; 20261125 iteration 227276 of the differential target; see
;; fuzz/src/wasmi_workarounds.rs (2).
(module
  (type (;0;) (func (param externref)))
  (type (;1;) (func (param i64 f64) (result f64 funcref v128)))
  (table (;0;) 1 580 funcref)
  (memory (;0;) 6115 2371646 (pagesize 0x1))
  (global (;0;) (mut f64) f64.const -0x1.be630a3679d58p+572 (;=-26954356665871506000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;))
  (global (;1;) (mut i64) i64.const 0)
  (global (;2;) (mut i64) i64.const 0)
  (global (;3;) (mut i32) i32.const 0)
  (global (;4;) (mut i32) i32.const 0)
  (export "\u{8}" (func 0))
  (export "5" (global 1))
  (func (;0;) (type 1) (param i64 f64) (result f64 funcref v128)
    (local i32 i64 f32 i32 f64 i32 i32 i32 i64 i32 i32)
    block (result f64) ;; label = @1
      i32.const -16385
      local.set 2
      block ;; label = @2
        block ;; label = @3
          memory.size
          br_if 0 (;@3;)
          local.get 2
          i64.load8_s offset=4627
          br 1 (;@2;)
        end
        i64.const 0
        local.set 3
      end
      local.get 3
      local.tee 0
      f32.convert_i64_u
      global.get 0
      i64.trunc_sat_f64_s
      i64.eqz
      local.set 5
      block ;; label = @2
        block ;; label = @3
        end
        f64.const 0x0p+0 (;=0;)
        local.set 6
      end
      local.get 6
      ref.null extern
      global.get 0
      i32.trunc_sat_f64_u
      if (type 0) (param externref) ;; label = @2
        i32.const 0
        loop (result f64)
          local.get 0
          loop
            memory.size
            local.set 7
            br 0
          end
          br 0
        end
        i64.reinterpret_f64
        global.get 1
        i64.xor
        global.set 1
        global.get 3
        i32.xor
        global.set 3
        drop
      else
        drop
      end
      i64.reinterpret_f64
      global.get 1
      i64.xor
      global.set 1
      i32.reinterpret_f32
      global.get 4
      i32.xor
      global.set 4
      f64.const -0x1.edf8f1cca1e46p+378 (;=-1187958076452411300000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000;)
    end
    ref.null func
    v128.const i32x4 0x87a63f07 0xacc517dc 0xbb16d0e4 0x49879da3
  )
  (func (;1;) (type 0) (param externref)
    table.size 0
    global.get 3
    i32.xor
    global.set 3
  )
)

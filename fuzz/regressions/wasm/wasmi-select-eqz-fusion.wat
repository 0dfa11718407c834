(module
  (global (export "g") (mut i32) (i32.const 0))
  (func (export "f") (local i32)
    i32.const -5
    local.set 0
    i32.const 1
    local.get 0
    local.get 0
    i32.eqz
    select
    global.set 0))

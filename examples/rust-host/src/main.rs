//! A Rust program calling a wasm module that its build script compiled
//! and linked in (see build.rs): typed calls, a host function, memory,
//! the host heap, and a trap.

// `mod calc { pub fn module() -> smelt_runtime::Module }`
include!(concat!(env!("OUT_DIR"), "/calc.rs"));

use smelt_runtime::{Caller, Func, Linker, Store, Trap};

/// The import "host" "log": prints bytes of the calling module's memory.
fn log(caller: &mut Caller, ptr: u32, len: u32) -> Result<(), Trap> {
    let memory = caller
        .get_export("memory")
        .and_then(|e| e.into_memory())
        .ok_or_else(|| Trap::host("the module has no memory export"))?;
    let mut bytes = vec![0; len as usize];
    memory
        .read(&mut *caller, ptr.into(), &mut bytes)
        .map_err(|e| Trap::host(e.to_string()))?;
    println!("wasm says: {}", String::from_utf8_lossy(&bytes));
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut store = Store::new();
    let mut linker = Linker::new();
    linker.define("host", "log", Func::wrap(&mut store, log).into());
    let instance = linker.instantiate(&mut store, &calc::module())?;

    // Typed calls: the types are checked once, here.
    let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
    println!("add(40, 2) = {}", add.call(&mut store, (40, 2))?);
    let greet = instance.get_typed_func::<(), ()>(&mut store, "greet")?;
    greet.call(&mut store, ())?;

    // Pass a buffer: the module has no allocator, so use the host heap.
    let memory = instance
        .get_memory(&mut store, "memory")
        .ok_or("no memory")?;
    let text = b"make some noise";
    let ptr = memory.alloc(&mut store, text.len() as u64, 1)?;
    memory.write(&mut store, ptr, text)?;
    let shout = instance.get_typed_func::<(u32, u32), ()>(&mut store, "shout")?;
    shout.call(&mut store, (ptr as u32, text.len() as u32))?;
    memory.free(&mut store, ptr)?;

    // Read memory and a global.
    let mut hello = [0u8; 15];
    memory.read(&mut store, 16, &mut hello)?;
    println!("memory[16..31] = {:?}", String::from_utf8_lossy(&hello));
    let calls = instance
        .get_global(&mut store, "calls")
        .ok_or("no global")?;
    println!("calls = {}", calls.get(&mut store).unwrap_i32());

    // A trap is an `Err`, with a wasm backtrace; the instance stays usable.
    let divide = instance.get_typed_func::<(i32, i32), i32>(&mut store, "divide")?;
    match divide.call(&mut store, (1, 0)) {
        Ok(q) => println!("1 / 0 = {q}?"),
        Err(trap) => print!("divide(1, 0) trapped:\n{}", trap.report()),
    }
    println!("divide(7, 2) = {}", divide.call(&mut store, (7, 2))?);
    Ok(())
}

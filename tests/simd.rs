//! SIMD beyond the spec scripts: `v128` through the host boundary
//! (entry trampolines, host adapters, globals), the documented relaxed-SIMD
//! results, and identical results at every CPU level.

use smelt_compiler::{Options, compile};
use smelt_runtime::{
    Extern, Func, FuncType, Global, GlobalType, Instance, Linker, Module, Store, Val, ValType,
};

fn module_for(wat: &str, cpu: Option<&str>) -> Module {
    smelt_tests::module_with(wat, &options_for(cpu))
}

fn interpreted(wat: &str) -> Module {
    let options = Options {
        mode: smelt_compiler::ExecutionMode::Interpreted,
        ..Options::default()
    };
    smelt_tests::module_with(wat, &options)
}

fn options_for(cpu: Option<&str>) -> Options {
    Options {
        cpu: cpu.map(String::from),
        ..Options::default()
    }
}

fn instantiate(m: &Module) -> (Store, Instance) {
    let mut store = Store::new();
    let instance = Linker::new().instantiate(&mut store, m).unwrap();
    (store, instance)
}

fn call(store: &mut Store, instance: &Instance, name: &str, args: &[Val]) -> Vec<Val> {
    instance
        .get_func(&mut *store, name)
        .unwrap_or_else(|| panic!("export `{name}`"))
        .call(store, args)
        .unwrap_or_else(|t| panic!("{name} trapped: {}", t.message()))
}

fn v128(v: &Val) -> u128 {
    match v {
        Val::V128(x) => *x,
        other => panic!("expected v128, found {other:?}"),
    }
}

/// A v128 from lanes, lane 0 first.
fn i32x4(l: [i32; 4]) -> u128 {
    l.iter()
        .rev()
        .fold(0u128, |acc, x| (acc << 32) | u128::from(*x as u32))
}

fn f32x4(l: [f32; 4]) -> u128 {
    i32x4(l.map(|x| x.to_bits() as i32))
}

fn f64x2(l: [f64; 2]) -> u128 {
    u128::from(l[0].to_bits()) | (u128::from(l[1].to_bits()) << 64)
}

fn i16x8(l: [i16; 8]) -> u128 {
    l.iter()
        .rev()
        .fold(0u128, |acc, x| (acc << 16) | u128::from(*x as u16))
}

fn i8x16(l: [i8; 16]) -> u128 {
    u128::from_le_bytes(l.map(|x| x as u8))
}

/// Bit patterns no arithmetic produces: NaN payloads in float lanes.
const ODD: u128 = 0x7fa0_0001_ffc0_1234_8000_0000_0123_4567;

#[test]
fn v128_crosses_the_host_boundary() {
    let m = module_for(
        r#"(module
          (import "host" "mix" (func $mix (param v128 i32 v128) (result v128 i64 v128)))
          (import "host" "g" (global $imported (mut v128)))
          (global $g (export "g") (mut v128) (v128.const i64x2 1 2))
          (global $c (export "c") v128 (v128.const i32x4 10 20 30 40))
          (func (export "id") (param v128) (result v128) (local.get 0))
          (func (export "many") (param i32 v128 f64 v128) (result v128 v128 i32)
            (local.get 3) (local.get 1) (local.get 0))
          (func (export "via_host") (param v128 v128) (result v128 i64 v128)
            (call $mix (local.get 0) (i32.const 7) (local.get 1)))
          (func (export "globals") (param v128) (result v128 v128 v128)
            (global.get $g)
            (global.set $g (local.get 0))
            (global.get $imported)
            (global.set $imported (i32x4.add (global.get $imported) (global.get $c)))
            (global.get $g))
          (func (export "get_g") (result v128) (global.get $g)))"#,
        None,
    );
    let mut store = Store::new();
    let mut linker = Linker::new();
    let ty = FuncType::new(
        [ValType::V128, ValType::I32, ValType::V128],
        [ValType::V128, ValType::I64, ValType::V128],
    );
    let mix = Func::new(&mut store, ty, |_caller, args, results| {
        let (a, n, b) = (v128(&args[0]), args[1].unwrap_i32(), v128(&args[2]));
        results[0] = Val::V128(b);
        results[1] = Val::I64(i64::from(n) * 3);
        results[2] = Val::V128(a.rotate_left(8));
        Ok(())
    });
    let imported = Global::new(
        &mut store,
        GlobalType {
            content: ValType::V128,
            mutable: true,
        },
        Val::V128(i32x4([1, 2, 3, 4])),
    )
    .unwrap();
    linker.define("host", "mix", Extern::Func(mix));
    linker.define("host", "g", Extern::Global(imported));
    let instance = linker.instantiate(&mut store, &m).unwrap();

    // Entry trampoline: params and results, bit-exact.
    let r = call(&mut store, &instance, "id", &[Val::V128(ODD)]);
    assert_eq!(v128(&r[0]), ODD);
    let r = call(
        &mut store,
        &instance,
        "many",
        &[Val::I32(-5), Val::V128(ODD), Val::F64(0), Val::V128(!ODD)],
    );
    assert_eq!(
        (v128(&r[0]), v128(&r[1]), r[2].unwrap_i32()),
        (!ODD, ODD, -5)
    );

    // Host adapter: wasm -> host with v128 params and multi-value results.
    let r = call(
        &mut store,
        &instance,
        "via_host",
        &[Val::V128(ODD), Val::V128(!ODD)],
    );
    assert_eq!(v128(&r[0]), !ODD);
    assert_eq!(r[1].unwrap_i64(), 21);
    assert_eq!(v128(&r[2]), ODD.rotate_left(8));

    // Globals: defined (exported) and imported, read and written by wasm
    // and by the host.
    let r = call(&mut store, &instance, "globals", &[Val::V128(ODD)]);
    assert_eq!(v128(&r[0]), 1 | (2 << 64));
    assert_eq!(v128(&r[1]), i32x4([1, 2, 3, 4]));
    assert_eq!(v128(&r[2]), ODD);
    let g = instance.get_global(&mut store, "g").unwrap();
    assert_eq!(v128(&g.get(&mut store)), ODD);
    g.set(&mut store, Val::V128(!ODD)).unwrap();
    assert_eq!(v128(&call(&mut store, &instance, "get_g", &[])[0]), !ODD);
    assert_eq!(v128(&imported.get(&mut store)), i32x4([11, 22, 33, 44]));
    let c = instance.get_global(&mut store, "c").unwrap();
    assert_eq!(v128(&c.get(&mut store)), i32x4([10, 20, 30, 40]));
}

/// The relaxed instructions, one export each (the order of `RELAXED`).
const RELAXED: &str = r#"(module
  (func (export "swizzle") (param v128 v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
  (func (export "trunc_s") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_s (local.get 0)))
  (func (export "trunc_u") (param v128) (result v128) (i32x4.relaxed_trunc_f32x4_u (local.get 0)))
  (func (export "trunc_s_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_s_zero (local.get 0)))
  (func (export "trunc_u_zero") (param v128) (result v128) (i32x4.relaxed_trunc_f64x2_u_zero (local.get 0)))
  (func (export "madd32") (param v128 v128 v128) (result v128) (f32x4.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "nmadd32") (param v128 v128 v128) (result v128) (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "madd64") (param v128 v128 v128) (result v128) (f64x2.relaxed_madd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "nmadd64") (param v128 v128 v128) (result v128) (f64x2.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect8") (param v128 v128 v128) (result v128) (i8x16.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect16") (param v128 v128 v128) (result v128) (i16x8.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect32") (param v128 v128 v128) (result v128) (i32x4.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "laneselect64") (param v128 v128 v128) (result v128) (i64x2.relaxed_laneselect (local.get 0) (local.get 1) (local.get 2)))
  (func (export "min32") (param v128 v128) (result v128) (f32x4.relaxed_min (local.get 0) (local.get 1)))
  (func (export "max32") (param v128 v128) (result v128) (f32x4.relaxed_max (local.get 0) (local.get 1)))
  (func (export "min64") (param v128 v128) (result v128) (f64x2.relaxed_min (local.get 0) (local.get 1)))
  (func (export "max64") (param v128 v128) (result v128) (f64x2.relaxed_max (local.get 0) (local.get 1)))
  (func (export "q15mulr") (param v128 v128) (result v128) (i16x8.relaxed_q15mulr_s (local.get 0) (local.get 1)))
  (func (export "dot") (param v128 v128) (result v128) (i16x8.relaxed_dot_i8x16_i7x16_s (local.get 0) (local.get 1)))
  (func (export "dot_add") (param v128 v128 v128) (result v128) (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2))))"#;

fn relaxed(store: &mut Store, instance: &Instance, name: &str, args: &[u128]) -> u128 {
    let args: Vec<Val> = args.iter().map(|a| Val::V128(*a)).collect();
    v128(&call(store, instance, name, &args)[0])
}

/// Each relaxed instruction gives the result `relaxed_simd.rs` documents,
/// on inputs where the allowed results differ.
#[test]
fn relaxed_simd_results_are_the_documented_ones() {
    documented_results(&module_for(RELAXED, None));
}

/// The interpreter makes the same relaxed choices.
#[test]
fn relaxed_simd_results_are_the_documented_ones_interpreted() {
    documented_results(&interpreted(RELAXED));
}

fn documented_results(m: &Module) {
    let (mut s, i) = instantiate(m);
    let (s, i) = (&mut s, &i);

    // swizzle: any index >= 16 selects 0 (pshufb would use index & 15
    // for 16..=127).
    let table = i8x16(core::array::from_fn(|k| 100 + k as i8));
    let idx = i8x16([0, 15, 16, 17, 31, 32, 127, -128, -1, 3, 1, 64, 20, 2, 14, 5]);
    let want = i8x16([100, 115, 0, 0, 0, 0, 0, 0, 0, 103, 101, 0, 0, 102, 114, 105]);
    assert_eq!(relaxed(s, i, "swizzle", &[table, idx]), want);

    // trunc: NaN -> 0, saturating (cvttps2dq would give i32::MIN).
    let f = f32x4([f32::NAN, 5e9, -3e9, -1.5]);
    assert_eq!(
        relaxed(s, i, "trunc_s", &[f]),
        i32x4([0, i32::MAX, i32::MIN, -1])
    );
    assert_eq!(relaxed(s, i, "trunc_u", &[f]), i32x4([0, -1, 0, 0]));
    let d = f64x2([f64::NAN, -1e10]);
    assert_eq!(
        relaxed(s, i, "trunc_s_zero", &[d]),
        i32x4([0, i32::MIN, 0, 0])
    );
    let d = f64x2([5e9, 7.9]);
    assert_eq!(relaxed(s, i, "trunc_u_zero", &[d]), i32x4([-1, 7, 0, 0]));

    // madd: unfused. FLT_MAX * 2 - FLT_MAX is inf with two roundings
    // (FLT_MAX fused); x*y+z below is 0 unfused (2^-37 fused).
    let (max, two) = (f32x4([f32::MAX; 4]), f32x4([2.0; 4]));
    assert_eq!(
        relaxed(s, i, "madd32", &[max, two, f32x4([-f32::MAX; 4])]),
        f32x4([f32::INFINITY; 4])
    );
    let x = f32x4([f32::from_bits(0x3f80_0002); 4]); // 1 + 2^-22
    let y = f32x4([f32::from_bits(0x3f80_0100); 4]); // 1 + 2^-15
    let z = f32x4([-f32::from_bits(0x3f80_0102); 4]);
    assert_eq!(relaxed(s, i, "madd32", &[x, y, z]), 0);
    let neg_x = f32x4([-f32::from_bits(0x3f80_0002); 4]);
    assert_eq!(relaxed(s, i, "nmadd32", &[neg_x, y, z]), 0);
    let (dmax, dtwo) = (f64x2([f64::MAX; 2]), f64x2([2.0; 2]));
    assert_eq!(
        relaxed(s, i, "madd64", &[dmax, dtwo, f64x2([-f64::MAX; 2])]),
        f64x2([f64::INFINITY; 2])
    );
    assert_eq!(
        relaxed(
            s,
            i,
            "nmadd64",
            &[f64x2([-f64::MAX; 2]), dtwo, f64x2([f64::MAX; 2])]
        ),
        f64x2([f64::INFINITY; 2])
    );

    // laneselect: bitwise, whatever the lane's top bit (blendv would pick
    // whole lanes by it).
    let (a, b) = (u128::MAX, 0);
    let mask = 0x0f0f_8000_0000_0001_7fff_ffff_ffff_ff80u128;
    for name in [
        "laneselect8",
        "laneselect16",
        "laneselect32",
        "laneselect64",
    ] {
        assert_eq!(relaxed(s, i, name, &[a, b, mask]), mask, "{name}");
        assert_eq!(
            relaxed(s, i, name, &[ODD, !ODD, mask]),
            (ODD & mask) | (!ODD & !mask),
            "{name}"
        );
    }

    // min/max: NaN propagates, -0 < +0, in either operand order (minps
    // and maxps return the second operand for NaN and for ±0 pairs).
    let lane32 = |v: u128, k: u32| (v >> (32 * k)) as u32;
    let is_nan32 = |bits: u32| bits & 0x7fc0_0000 == 0x7fc0_0000;
    let p = f32x4([f32::NAN, 1.0, 0.0, -0.0]);
    let q = f32x4([1.0, f32::NAN, -0.0, 0.0]);
    for (x, y) in [(p, q), (q, p)] {
        let min = relaxed(s, i, "min32", &[x, y]);
        let max = relaxed(s, i, "max32", &[x, y]);
        for r in [min, max] {
            assert!(is_nan32(lane32(r, 0)) && is_nan32(lane32(r, 1)), "{r:#x}");
        }
        assert_eq!([lane32(min, 2), lane32(min, 3)], [(-0.0f32).to_bits(); 2]);
        assert_eq!([lane32(max, 2), lane32(max, 3)], [0.0f32.to_bits(); 2]);
    }
    let (p, q) = (f64x2([-0.0, f64::NAN]), f64x2([0.0, 2.0]));
    for (x, y) in [(p, q), (q, p)] {
        let min = relaxed(s, i, "min64", &[x, y]);
        let max = relaxed(s, i, "max64", &[x, y]);
        assert_eq!(min as u64, (-0.0f64).to_bits());
        assert_eq!(max as u64, 0.0f64.to_bits());
        for r in [min, max] {
            let hi = (r >> 64) as u64;
            assert_eq!(hi & 0x7ff8_0000_0000_0000, 0x7ff8_0000_0000_0000, "{r:#x}");
        }
    }

    // q15mulr: -1.0 * -1.0 saturates to 0x7fff (pmulhrsw gives 0x8000).
    let m = i16x8([i16::MIN, i16::MIN, 0x4000, -0x4000, 1, 0, 0, 0]);
    let n = i16x8([i16::MIN, i16::MAX, 0x4000, 0x4000, 1, 0, 0, 0]);
    assert_eq!(
        relaxed(s, i, "q15mulr", &[m, n]),
        i16x8([i16::MAX, -32767, 0x2000, -0x2000, 0, 0, 0, 0])
    );

    // dot: the second operand is signed too (pmaddubsw reads it unsigned).
    let a = i8x16([
        -128, -128, 127, 127, -1, 2, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    let b = i8x16([
        -127, -127, -128, 1, -128, -1, -128, -128, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    assert_eq!(
        relaxed(s, i, "dot", &[a, b]),
        i16x8([32512, -16129, 126, i16::MIN, 0, 0, 0, 0])
    );
    let c = i32x4([1, -1, 0, i32::MAX]);
    assert_eq!(
        relaxed(s, i, "dot_add", &[a, b, c]),
        i32x4([32512 - 16129 + 1, 126 - 32768 - 1, 0, i32::MAX])
    );
}

/// Ordinary SIMD chains whose x86 lowerings differ between CPU levels.
const ORDINARY: &str = r#"(module
      (func (export "a") (param v128 v128 v128) (result v128)
        (i8x16.swizzle (local.get 0) (local.get 1)))
      (func (export "b") (param v128 v128 v128) (result v128)
        (f32x4.add (f32x4.mul (local.get 0) (local.get 1)) (local.get 2)))
      (func (export "c") (param v128 v128 v128) (result v128)
        (i32x4.trunc_sat_f32x4_u (f32x4.pmin (local.get 0) (local.get 1))))
      (func (export "d") (param v128 v128 v128) (result v128)
        (i32x4.dot_i16x8_s (i16x8.q15mulr_sat_s (local.get 0) (local.get 1)) (local.get 2)))
      (func (export "e") (param v128 v128 v128) (result v128)
        (f64x2.convert_low_i32x4_u (i32x4.trunc_sat_f64x2_u_zero (f64x2.nearest (local.get 0)))))
      (func (export "f") (param v128 v128 v128) (result v128)
        (i64x2.mul (i64x2.shr_s (local.get 0) (i32.const 7)) (i64x2.abs (local.get 1))))
      (func (export "g") (param v128 v128 v128) (result v128)
        (i8x16.popcnt (i8x16.avgr_u (local.get 0) (i8x16.narrow_i16x8_u (local.get 1) (local.get 2))))))"#;

/// The exports of `ORDINARY`.
const ORDINARY_EXPORTS: [&str; 7] = ["a", "b", "c", "d", "e", "f", "g"];

/// The exports of `RELAXED` and their arities.
const RELAXED_EXPORTS: [(&str, usize); 20] = [
    ("swizzle", 2),
    ("trunc_s", 1),
    ("trunc_u", 1),
    ("trunc_s_zero", 1),
    ("trunc_u_zero", 1),
    ("madd32", 3),
    ("nmadd32", 3),
    ("madd64", 3),
    ("nmadd64", 3),
    ("laneselect8", 3),
    ("laneselect16", 3),
    ("laneselect32", 3),
    ("laneselect64", 3),
    ("min32", 2),
    ("max32", 2),
    ("min64", 2),
    ("max64", 2),
    ("q15mulr", 2),
    ("dot", 2),
    ("dot_add", 3),
];

/// A spread of inputs: special floats, lane extremes, and pseudo-random
/// bits.
fn inputs() -> Vec<u128> {
    let mut v = vec![
        0,
        u128::MAX,
        ODD,
        !ODD,
        f32x4([f32::NAN, f32::INFINITY, -0.0, f32::MIN_POSITIVE / 2.0]),
        f32x4([3e9, -3e9, 0.5, -2.5]),
        f32x4([f32::MAX, 2.0, -f32::MAX, 1.0]),
        f64x2([f64::NAN, -0.0]),
        f64x2([1e300, -4.5]),
        i16x8([i16::MIN, i16::MAX, -1, 1, 0x4000, -0x4000, 7, -7]),
        i8x16([-128, 127, -1, 1, 64, -64, 16, 31, 32, -17, 0, 2, 3, 4, 5, 6]),
    ];
    let mut x = 0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c834u128;
    for _ in 0..20 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        v.push(x);
    }
    v
}

/// Relaxed and ordinary SIMD give bit-identical results whether compiled
/// for x86-64-v2 (SSE4) or x86-64-v3 (AVX2/FMA lowerings).
#[test]
fn every_cpu_level_gives_the_same_results() {
    let exports = ORDINARY_EXPORTS;
    let relaxed_exports = RELAXED_EXPORTS;
    // Everywhere: the x86-64-v3 preset compiles these modules and really
    // changes the code (VEX encodings, FMA), so the comparison below
    // compares two different lowerings.
    for wat in [ORDINARY, RELAXED] {
        let object = |cpu: Option<&str>| {
            let wasm = wat::parse_str(wat).expect("valid wat");
            let options = Options {
                target: Some("x86_64-unknown-linux-gnu".parse().expect("a triple")),
                ..options_for(cpu)
            };
            compile(&wasm, &options).expect("compiles").object
        };
        assert_ne!(object(None), object(Some("x86-64-v3")));
    }
    if !host_has_x86_64_v3() {
        smelt_tests::skip(
            "every_cpu_level_gives_the_same_results",
            "running the x86-64-v3 code: this host has no AVX2/FMA/BMI",
        );
        return;
    }
    let inputs = inputs();
    let run = |cpu: Option<&str>| -> Vec<u128> {
        let mut out = Vec::new();
        let (mut s, i) = instantiate(&module_for(ORDINARY, cpu));
        let (mut rs, ri) = instantiate(&module_for(RELAXED, cpu));
        for (k, x) in inputs.iter().enumerate() {
            let y = inputs[(k * 7 + 3) % inputs.len()];
            let z = inputs[(k * 5 + 1) % inputs.len()];
            for name in exports {
                out.push(relaxed(&mut s, &i, name, &[*x, y, z]));
            }
            for (name, arity) in relaxed_exports {
                out.push(relaxed(&mut rs, &ri, name, &[*x, y, z][..arity]));
            }
        }
        out
    };
    let baseline = run(None);
    let v3 = run(Some("x86-64-v3"));
    for (k, (a, b)) in baseline.iter().zip(&v3).enumerate() {
        assert_eq!(a, b, "result {k} differs between x86-64-v2 and x86-64-v3");
    }
}

/// Memory, lane and shuffle instructions, three v128 params each.
const LANES: &str = r#"(module
  (memory 1)
  (func (export "l") (param v128 v128 v128) (result v128)
    (v128.store offset=16 (i32.const 0) (local.get 0))
    (v128.store offset=3 (i32.const 29) (local.get 1))
    (i8x16.shuffle 0 17 2 19 31 30 5 16 8 8 9 27 12 1 15 20
      (v128.load8x8_s offset=20 (i32.const 0))
      (v128.load32_zero (i32.const 30))))
  (func (export "k") (param v128 v128 v128) (result v128)
    (v128.store (i32.const 0) (local.get 0))
    (f32x4.replace_lane 2
      (i64x2.replace_lane 1
        (v128.load16_lane offset=0 3 (i32.const 5) (local.get 1))
        (i64x2.extract_lane 0 (local.get 2)))
      (f32x4.extract_lane 3 (local.get 0))))
  (func (export "j") (param v128 v128 v128) (result v128)
    (v128.store32_lane offset=0 2 (i32.const 100) (local.get 0))
    (v128.store8_lane offset=1 13 (i32.const 100) (local.get 2))
    (i8x16.replace_lane 15
      (i32x4.replace_lane 0 (local.get 1) (i32.load (i32.const 100)))
      (i32.add (i8x16.extract_lane_s 5 (local.get 2)) (i16x8.extract_lane_u 7 (local.get 1)))))
  (func (export "i") (param v128 v128 v128) (result v128)
    (v128.store (i32.const 64) (local.get 0))
    (i64x2.add
      (v128.load64_splat offset=1 (i32.const 64))
      (i16x8.add (v128.load16_splat (i32.const 77)) (v128.load64_zero (i32.const 67)))))
  (func (export "h") (param v128 v128 v128) (result v128)
    (v128.store (i32.const 65520) (local.get 0))
    (v128.load64_lane offset=8 0 (i32.const 65520)
      (v128.load32_splat offset=65532 (i32.const 0)))))"#;

/// The interpreter gives compiled code's results bit for bit (relaxed
/// instructions, memory and lane instructions included) but for the
/// payloads of NaN results.
#[test]
fn interpreter_matches_compiled() {
    let lanes = ["l", "k", "j", "i", "h"];
    let inputs = inputs();
    let run = |m: fn(&str) -> Module| -> Vec<u128> {
        let mut out = Vec::new();
        let (mut s, i) = instantiate(&m(ORDINARY));
        let (mut rs, ri) = instantiate(&m(RELAXED));
        let (mut ls, li) = instantiate(&m(LANES));
        for (k, x) in inputs.iter().enumerate() {
            let y = inputs[(k * 7 + 3) % inputs.len()];
            let z = inputs[(k * 5 + 1) % inputs.len()];
            for name in ORDINARY_EXPORTS {
                out.push(relaxed(&mut s, &i, name, &[*x, y, z]));
            }
            for (name, arity) in RELAXED_EXPORTS {
                out.push(relaxed(&mut rs, &ri, name, &[*x, y, z][..arity]));
            }
            for name in lanes {
                out.push(relaxed(&mut ls, &li, name, &[*x, y, z]));
            }
        }
        out
    };
    let compiled = run(|wat| module_for(wat, None));
    let interp = run(interpreted);
    // Functions with float results, by index in one input's results:
    // their NaN lanes may carry different payloads (wasm leaves them
    // nondeterministic; only NaN-ness must agree).
    let f32_results = [1, 7 + 5, 7 + 6, 7 + 13, 7 + 14];
    let f64_results = [7 + 7, 7 + 8, 7 + 15, 7 + 16];
    let per_input = ORDINARY_EXPORTS.len() + RELAXED_EXPORTS.len() + lanes.len();
    let same = |k: usize, a: u128, b: u128| {
        let f = k % per_input;
        let nan_lanes = |width: u32| {
            let is_nan = |v: u128| match width {
                32 => f32::from_bits(v as u32).is_nan(),
                _ => f64::from_bits(v as u64).is_nan(),
            };
            (0..128 / width).all(|l| {
                let (x, y) = (a >> (width * l), b >> (width * l));
                let mask = u128::MAX >> (128 - width);
                x & mask == y & mask || (is_nan(x) && is_nan(y))
            })
        };
        if f32_results.contains(&f) {
            nan_lanes(32)
        } else if f64_results.contains(&f) {
            nan_lanes(64)
        } else {
            a == b
        }
    };
    for (k, (a, b)) in compiled.iter().zip(&interp).enumerate() {
        assert!(
            same(k, *a, *b),
            "input {}, function {}: compiled {a:#034x}, interpreted {b:#034x}",
            k / per_input,
            k % per_input
        );
    }
}

fn host_has_x86_64_v3() -> bool {
    #[cfg(target_arch = "x86_64")]
    {
        std::is_x86_feature_detected!("avx")
            && std::is_x86_feature_detected!("avx2")
            && std::is_x86_feature_detected!("fma")
            && std::is_x86_feature_detected!("bmi1")
            && std::is_x86_feature_detected!("bmi2")
            && std::is_x86_feature_detected!("lzcnt")
    }
    #[cfg(not(target_arch = "x86_64"))]
    {
        false
    }
}

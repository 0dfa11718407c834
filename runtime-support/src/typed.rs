//! Typed calls and typed host functions: Rust types instead of [`Val`]
//! slices, checked once against the wasm type.
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use smelt_runtime::{Caller, Func, Linker, Module, Store};
//! # let module: Module = unimplemented!();
//! let mut store = Store::new();
//! let mut linker = Linker::new();
//! let log = Func::wrap(&mut store, |_: &mut Caller, x: i32| println!("{x}"));
//! linker.define("env", "log", log.into());
//! let instance = linker.instantiate(&mut store, &module)?;
//! let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
//! assert_eq!(add.call(&mut store, (1, 2))?, 3);
//! # Ok(()) }
//! ```
//!
//! [`WasmTy`] is one value, [`WasmTyList`] a list of them (a single
//! [`WasmTy`], `()` or a tuple of up to 16): [`WasmParams`] and
//! [`WasmResults`] are the same lists in the two positions. A typed call
//! converts directly between the Rust values and the raw slots the entry
//! trampoline reads, without the `Vec<Val>` that [`Func::call`] builds.

use crate::abi::ValType;
use crate::exceptions::ExnRef;
use crate::func::{Caller, Func, RawCallback};
use crate::store::{AsStoreMut, StoreOpaque};
use crate::trap::Trap;
use crate::types::{FuncType, val_type_name};
use crate::values::{ExternRef, ValRaw};
use std::fmt;
use std::marker::PhantomData;

/// A `v128` value (its 16 bytes as a little-endian `u128`, as in
/// [`Val::V128`](crate::Val::V128)).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct V128(pub u128);

impl From<u128> for V128 {
    fn from(v: u128) -> V128 {
        V128(v)
    }
}

mod sealed {
    pub trait Sealed {}
}

/// A Rust type that carries one wasm value: `i32`/`u32` (i32),
/// `i64`/`u64` (i64), `f32`, `f64`, [`V128`], `Option<Func>` (funcref),
/// `Option<ExternRef>` (externref), `Option<ExnRef>` (exnref).
pub trait WasmTy: Sized + sealed::Sealed {
    /// The wasm type of a host function parameter or result of this type.
    #[doc(hidden)]
    fn valtype() -> ValType;
    /// Whether a value of this type may be passed where `ty` is expected.
    #[doc(hidden)]
    fn accepts_param(ty: ValType) -> bool {
        ty == Self::valtype()
    }
    /// Whether a wasm value of type `ty` can be read as this type.
    #[doc(hidden)]
    fn accepts_result(ty: ValType) -> bool {
        ty == Self::valtype()
    }
    #[doc(hidden)]
    fn into_raw(self, store: &mut StoreOpaque) -> Result<ValRaw, Trap>;
    #[doc(hidden)]
    fn from_raw(store: &mut StoreOpaque, raw: &ValRaw) -> Self;
}

macro_rules! scalar {
    ($t:ty, $vt:expr, $to:expr, $from:expr) => {
        impl sealed::Sealed for $t {}
        impl WasmTy for $t {
            fn valtype() -> ValType {
                $vt
            }
            fn into_raw(self, _: &mut StoreOpaque) -> Result<ValRaw, Trap> {
                #[allow(clippy::redundant_closure_call, reason = "macro-generated conversion")]
                Ok($to(self))
            }
            fn from_raw(_: &mut StoreOpaque, raw: &ValRaw) -> Self {
                #[allow(clippy::redundant_closure_call, reason = "macro-generated conversion")]
                $from(raw)
            }
        }
    };
}

scalar!(
    i32,
    ValType::I32,
    |v: i32| ValRaw::from_u32(v as u32),
    |r: &ValRaw| r.u32() as i32
);
scalar!(u32, ValType::I32, ValRaw::from_u32, |r: &ValRaw| r.u32());
scalar!(
    i64,
    ValType::I64,
    |v: i64| ValRaw::from_u64(v as u64),
    |r: &ValRaw| r.u64() as i64
);
scalar!(u64, ValType::I64, ValRaw::from_u64, |r: &ValRaw| r.u64());
scalar!(
    f32,
    ValType::F32,
    |v: f32| ValRaw::from_u32(v.to_bits()),
    |r: &ValRaw| f32::from_bits(r.u32())
);
scalar!(
    f64,
    ValType::F64,
    |v: f64| ValRaw::from_u64(v.to_bits()),
    |r: &ValRaw| f64::from_bits(r.u64())
);
scalar!(
    V128,
    ValType::V128,
    |v: V128| ValRaw::from_u128(v.0),
    |r: &ValRaw| V128(r.u128())
);

/// Nullable references: passed where the abstract nullable type is
/// expected; read from any reference type of the same hierarchy (its
/// concrete subtypes and the bottom type included).
macro_rules! nullable_ref {
    ($t:ty, $vt:expr, $codes:pat, $to:expr, $from:expr) => {
        impl sealed::Sealed for Option<$t> {}
        impl WasmTy for Option<$t> {
            fn valtype() -> ValType {
                $vt
            }
            fn accepts_result(ty: ValType) -> bool {
                matches!(ty.code(), $codes)
            }
            fn into_raw(self, store: &mut StoreOpaque) -> Result<ValRaw, Trap> {
                #[allow(clippy::redundant_closure_call, reason = "macro-generated conversion")]
                match self {
                    None => Ok(ValRaw::from_u64(0)),
                    Some(r) => $to(store, r),
                }
            }
            fn from_raw(store: &mut StoreOpaque, raw: &ValRaw) -> Self {
                #[allow(clippy::redundant_closure_call, reason = "macro-generated conversion")]
                match raw.u64() {
                    0 => None,
                    p => Some($from(store, p as usize)),
                }
            }
        }
    };
}

nullable_ref!(
    Func,
    ValType::FUNCREF,
    0x70 | 0x73 | crate::abi::types::CODE_CANONICAL,
    |store: &mut StoreOpaque, f: Func| f
        .vm_funcref(store)
        .map(|p| ValRaw::from_u64(p as u64))
        .map_err(Trap::from),
    |store: &mut StoreOpaque, p: usize| store.func_for_ref(p)
);
nullable_ref!(
    ExternRef,
    ValType::EXTERNREF,
    0x6f | 0x72,
    |_: &mut StoreOpaque, e: ExternRef| Ok(ValRaw::from_u64(e.0 as u64)),
    |_: &mut StoreOpaque, p: usize| ExternRef(p)
);
nullable_ref!(
    ExnRef,
    ValType::EXNREF,
    0x69 | 0x74,
    |_: &mut StoreOpaque, e: ExnRef| Ok(ValRaw::from_u64(e.0 as u64)),
    |_: &mut StoreOpaque, p: usize| ExnRef(p)
);

/// A list of wasm values as Rust values: `()`, one [`WasmTy`], or a tuple
/// of up to 16 of them.
pub trait WasmTyList: Sized {
    /// Number of values.
    #[doc(hidden)]
    const LEN: usize;
    #[doc(hidden)]
    fn valtypes() -> Vec<ValType>;
    /// Whether these values may be passed as arguments of types `tys`.
    #[doc(hidden)]
    fn accepts_params(tys: &[ValType]) -> bool;
    /// Whether results of types `tys` can be read as these values.
    #[doc(hidden)]
    fn accepts_results(tys: &[ValType]) -> bool;
    #[doc(hidden)]
    fn store(self, store: &mut StoreOpaque, out: &mut [ValRaw]) -> Result<(), Trap>;
    #[doc(hidden)]
    fn load(store: &mut StoreOpaque, vals: &[ValRaw]) -> Self;
}

/// Parameters of a typed call or of a typed host function.
pub trait WasmParams: WasmTyList {}
impl<T: WasmTyList> WasmParams for T {}

/// Results of a typed call or of a typed host function.
pub trait WasmResults: WasmTyList {}
impl<T: WasmTyList> WasmResults for T {}

impl<T: WasmTy> WasmTyList for T {
    const LEN: usize = 1;
    fn valtypes() -> Vec<ValType> {
        vec![T::valtype()]
    }
    fn accepts_params(tys: &[ValType]) -> bool {
        matches!(tys, [t] if T::accepts_param(*t))
    }
    fn accepts_results(tys: &[ValType]) -> bool {
        matches!(tys, [t] if T::accepts_result(*t))
    }
    fn store(self, store: &mut StoreOpaque, out: &mut [ValRaw]) -> Result<(), Trap> {
        out[0] = self.into_raw(store)?;
        Ok(())
    }
    fn load(store: &mut StoreOpaque, vals: &[ValRaw]) -> Self {
        T::from_raw(store, &vals[0])
    }
}

macro_rules! tuple_list {
    ($n:expr; $($t:ident $i:tt),*) => {
        impl<$($t: WasmTy),*> WasmTyList for ($($t,)*) {
            const LEN: usize = $n;
            fn valtypes() -> Vec<ValType> {
                vec![$($t::valtype()),*]
            }
            #[allow(unused_variables, reason = "unused by the empty tuple")]
            fn accepts_params(tys: &[ValType]) -> bool {
                tys.len() == $n $(&& $t::accepts_param(tys[$i]))*
            }
            #[allow(unused_variables, reason = "unused by the empty tuple")]
            fn accepts_results(tys: &[ValType]) -> bool {
                tys.len() == $n $(&& $t::accepts_result(tys[$i]))*
            }
            #[allow(unused_variables, reason = "unused by the empty tuple")]
            fn store(self, store: &mut StoreOpaque, out: &mut [ValRaw]) -> Result<(), Trap> {
                $(out[$i] = self.$i.into_raw(store)?;)*
                Ok(())
            }
            #[allow(unused_variables, clippy::unused_unit, reason = "unused by the empty tuple")]
            fn load(store: &mut StoreOpaque, vals: &[ValRaw]) -> Self {
                ($($t::from_raw(store, &vals[$i]),)*)
            }
        }
    };
}

tuple_list!(0;);
tuple_list!(1; A 0);
tuple_list!(2; A 0, B 1);
tuple_list!(3; A 0, B 1, C 2);
tuple_list!(4; A 0, B 1, C 2, D 3);
tuple_list!(5; A 0, B 1, C 2, D 3, E 4);
tuple_list!(6; A 0, B 1, C 2, D 3, E 4, F 5);
tuple_list!(7; A 0, B 1, C 2, D 3, E 4, F 5, G 6);
tuple_list!(8; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7);
tuple_list!(9; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8);
tuple_list!(10; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9);
tuple_list!(11; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10);
tuple_list!(12; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11);
tuple_list!(13; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12);
tuple_list!(14; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13);
tuple_list!(15; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14);
tuple_list!(16; A 0, B 1, C 2, D 3, E 4, F 5, G 6, H 7, I 8, J 9, K 10, L 11, M 12, N 13, O 14, P 15);

/// Why a function cannot be used with the requested Rust types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TypedFuncError {
    /// The instance has no export of that name.
    NoSuchExport(String),
    /// The export is not a function.
    NotAFunction(String),
    /// The function's type differs from the Rust types.
    TypeMismatch {
        /// The function's wasm type.
        actual: String,
        /// The wasm type the Rust types stand for.
        requested: String,
    },
}

impl fmt::Display for TypedFuncError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypedFuncError::NoSuchExport(n) => write!(f, "no export named `{n}`"),
            TypedFuncError::NotAFunction(n) => write!(f, "export `{n}` is not a function"),
            TypedFuncError::TypeMismatch { actual, requested } => write!(
                f,
                "type mismatch: the function is {actual}, the Rust types ask for {requested}"
            ),
        }
    }
}

impl std::error::Error for TypedFuncError {}

fn type_text(params: &[ValType], results: &[ValType]) -> String {
    let list = |tys: &[ValType]| {
        tys.iter()
            .map(|t| val_type_name(*t))
            .collect::<Vec<_>>()
            .join(" ")
    };
    format!("(func (param {}) (result {}))", list(params), list(results))
}

/// A function with its wasm type checked against Rust types `Params`
/// and `Results` (see [`Func::typed`] and
/// [`Instance::get_typed_func`](crate::Instance::get_typed_func)).
pub struct TypedFunc<Params, Results> {
    func: Func,
    _types: PhantomData<fn(Params) -> Results>,
}

impl<Params, Results> Clone for TypedFunc<Params, Results> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<Params, Results> Copy for TypedFunc<Params, Results> {}

impl<Params, Results> fmt::Debug for TypedFunc<Params, Results> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TypedFunc")
            .field("func", &self.func)
            .finish()
    }
}

impl<Params: WasmParams, Results: WasmResults> TypedFunc<Params, Results> {
    /// The untyped function.
    pub fn func(&self) -> Func {
        self.func
    }

    /// Calls the function. A trap is `Err` (after the store's trap
    /// handlers had their say, as for [`Func::call`]).
    pub fn call(&self, mut store: impl AsStoreMut, params: Params) -> Result<Results, Trap> {
        let store = store.as_store_mut();
        let n = Params::LEN.max(Results::LEN).max(1);
        let mut inline = [ValRaw::default(); 8];
        let mut heap = Vec::new();
        let values: &mut [ValRaw] = if n <= inline.len() {
            &mut inline[..n]
        } else {
            heap.resize(n, ValRaw::default());
            &mut heap
        };
        params.store(store, values)?;
        self.func.call_raw(store, values)?;
        Ok(Results::load(store, values))
    }
}

impl Func {
    /// This function with Rust types for its parameters and results,
    /// checked against its wasm type now, so that calls need no checks.
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use smelt_runtime::{Func, Store}; let mut store = Store::new();
    /// # let f: Func = unimplemented!();
    /// let add = f.typed::<(i32, i32), i32>(&mut store)?;
    /// let three = add.call(&mut store, (1, 2))?;
    /// # Ok(()) }
    /// ```
    pub fn typed<Params: WasmParams, Results: WasmResults>(
        &self,
        store: impl AsStoreMut,
    ) -> Result<TypedFunc<Params, Results>, TypedFuncError> {
        let ty = self.ty(store);
        if !Params::accepts_params(ty.params()) || !Results::accepts_results(ty.results()) {
            return Err(TypedFuncError::TypeMismatch {
                actual: type_text(ty.params(), ty.results()),
                requested: type_text(&Params::valtypes(), &Results::valtypes()),
            });
        }
        Ok(TypedFunc {
            func: *self,
            _types: PhantomData,
        })
    }
}

impl crate::Instance {
    /// The exported function `name`, typed (see [`Func::typed`]).
    ///
    /// ```no_run
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # use smelt_runtime::{Instance, Store}; let mut store = Store::new();
    /// # let instance: Instance = unimplemented!();
    /// let add = instance.get_typed_func::<(i32, i32), i32>(&mut store, "add")?;
    /// assert_eq!(add.call(&mut store, (1, 2))?, 3);
    /// # Ok(()) }
    /// ```
    pub fn get_typed_func<Params: WasmParams, Results: WasmResults>(
        &self,
        mut store: impl AsStoreMut,
        name: &str,
    ) -> Result<TypedFunc<Params, Results>, TypedFuncError> {
        let export = self
            .get_export(&mut store, name)
            .ok_or_else(|| TypedFuncError::NoSuchExport(name.to_string()))?;
        let func = export
            .into_func()
            .ok_or_else(|| TypedFuncError::NotAFunction(name.to_string()))?;
        func.typed(store)
    }
}

/// What a typed host function returns: its results, or `Result` of them
/// with a [`Trap`] to end the call.
pub trait WasmRet {
    #[doc(hidden)]
    type Results: WasmTyList;
    #[doc(hidden)]
    fn into_results(self) -> Result<Self::Results, Trap>;
}

impl<T: WasmTyList> WasmRet for T {
    type Results = T;
    fn into_results(self) -> Result<T, Trap> {
        Ok(self)
    }
}

impl<T: WasmTyList> WasmRet for Result<T, Trap> {
    type Results = T;
    fn into_results(self) -> Result<T, Trap> {
        self
    }
}

/// A Rust closure usable as a host function ([`Func::wrap`]): `Fn(A1, ..)
/// -> R` or `Fn(&mut Caller, A1, ..) -> R` with every `Ai: WasmTy` (up to
/// 12) and `R: WasmRet`. `Params` only tells the two shapes apart.
pub trait IntoFunc<Params, Results>: Send + Sync + 'static {
    #[doc(hidden)]
    fn into_func(self) -> (FuncType, Box<RawCallback>);
}

/// Marks the closures of [`IntoFunc`] that take a `&mut Caller` first.
#[doc(hidden)]
pub struct WithCaller;

macro_rules! into_func {
    ($($a:ident $v:ident $i:tt),*) => {
        impl<F, R, $($a: WasmTy),*> IntoFunc<($($a,)*), R> for F
        where
            F: Fn($($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> (FuncType, Box<RawCallback>) {
                let ty = FuncType::new(
                    vec![$($a::valtype()),*],
                    <R::Results as WasmTyList>::valtypes(),
                );
                #[allow(unused_variables, reason = "unused without parameters")]
                let call = move |caller: &mut Caller<'_>, values: &mut [ValRaw]| {
                    $(let $v = $a::from_raw(caller.store, &values[$i]);)*
                    self($($v),*).into_results()?.store(caller.store, values)
                };
                (ty, Box::new(call))
            }
        }

        impl<F, R, $($a: WasmTy),*> IntoFunc<(WithCaller, $($a,)*), R> for F
        where
            F: for<'a, 'b> Fn(&'a mut Caller<'b>, $($a),*) -> R + Send + Sync + 'static,
            R: WasmRet,
        {
            fn into_func(self) -> (FuncType, Box<RawCallback>) {
                let ty = FuncType::new(
                    vec![$($a::valtype()),*],
                    <R::Results as WasmTyList>::valtypes(),
                );
                let call = move |caller: &mut Caller<'_>, values: &mut [ValRaw]| {
                    $(let $v = $a::from_raw(caller.store, &values[$i]);)*
                    self(&mut *caller, $($v),*).into_results()?.store(caller.store, values)
                };
                (ty, Box::new(call))
            }
        }
    };
}

into_func!();
into_func!(A a 0);
into_func!(A a 0, B b 1);
into_func!(A a 0, B b 1, C c 2);
into_func!(A a 0, B b 1, C c 2, D d 3);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10);
into_func!(A a 0, B b 1, C c 2, D d 3, E e 4, G g 5, H h 6, I i 7, J j 8, K k 9, L l 10, M m 11);

//! Resolving imports by name.

use crate::error::InstantiationError;
use crate::externals::Extern;
use crate::instance::Instance;
use crate::module::Module;
use crate::store::AsStoreMut;
use std::collections::HashMap;

/// A set of named definitions (`module`, `name`) -> [`Extern`] used to
/// satisfy imports.
#[derive(Default, Clone)]
pub struct Linker {
    defs: HashMap<(String, String), Extern>,
}

impl Linker {
    pub fn new() -> Linker {
        Linker::default()
    }

    /// Defines (or replaces) `module`.`name`.
    pub fn define(&mut self, module: &str, name: &str, item: Extern) -> &mut Self {
        self.defs
            .insert((module.to_string(), name.to_string()), item);
        self
    }

    /// Defines every export of `instance` under the module name `module`.
    pub fn define_instance(
        &mut self,
        mut store: impl AsStoreMut,
        module: &str,
        instance: Instance,
    ) -> &mut Self {
        for (name, item) in instance.exports(&mut store) {
            self.define(module, &name, item);
        }
        self
    }

    pub fn get(&self, module: &str, name: &str) -> Option<Extern> {
        self.defs
            .get(&(module.to_string(), name.to_string()))
            .copied()
    }

    /// The module's imports, resolved, in order.
    pub fn resolve(&self, module: &Module) -> Result<Vec<Extern>, InstantiationError> {
        module
            .imports()
            .iter()
            .map(|i| {
                self.get(&i.module, &i.name)
                    .ok_or_else(|| InstantiationError::MissingImport {
                        module: i.module.clone(),
                        name: i.name.clone(),
                    })
            })
            .collect()
    }

    /// Instantiates `module` with imports resolved by name.
    pub fn instantiate(
        &self,
        store: impl AsStoreMut,
        module: &Module,
    ) -> Result<Instance, InstantiationError> {
        let imports = self.resolve(module)?;
        Instance::new(store, module, &imports)
    }
}

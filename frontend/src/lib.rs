//! The browser entry point. Pages are rendered on the server; only the app's islands
//! (`#[island]` components) are hydrated, so only their code is in the bundle.
// Links the app crate, whose islands are the wasm's exports.
#[allow(unused_imports)]
use app::*;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}

//! Prints the module's constant texts into `$OUT_DIR/texts.rs` (see `texts` in
//! lib.rs): the core crate's JSON writer runs here, natively, at build time, so
//! the WebAssembly module carries its output rather than its code.

use billcom_connection::{json, spec::API_TYPES, validate};

#[allow(dead_code)]
#[path = "src/templates.rs"]
mod templates;

fn main() {
    let specs: Vec<String> = API_TYPES.iter().map(json::form_spec).collect();
    let mut templates: Vec<(u32, String)> =
        templates::numbers().filter_map(|i| Some((i, json::issues(&[templates::finding_at(i)?.issue()])))).collect();
    let unknown = validate::unknown_key(templates::KEY_MARK);
    templates.push((templates::TEMPLATE_UNKNOWN_KEY, json::issues(&[unknown])));
    // `{:?}` of a str is a Rust string literal with every needed escape.
    let text = format!(
        "/// `bc_catalogue`: `{{ fields, usage }}` (`json::catalogue`).\n\
         pub static CATALOGUE: &str = {:?};\n\
         /// `bc_api_types` (`json::api_types`).\n\
         pub static API_TYPES: &str = {:?};\n\
         /// `bc_form_spec(i)`: `json::form_spec` of `spec::API_TYPES[i]`.\n\
         pub static FORM_SPECS: [&str; {}] = {:?};\n\
         /// `bc_template(i)`: each template number and its item, as the JSON `[item]`.\n\
         pub static TEMPLATES: &[(u32, &str)] = &{:?};\n",
        json::catalogue(),
        json::api_types(),
        specs.len(),
        specs,
        templates,
    );
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("texts.rs");
    std::fs::write(out, text).expect("write texts.rs");
    // Reruns when the core crate (a build dependency) changes, and when this does.
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-changed=src/templates.rs");
}

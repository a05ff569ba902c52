//! The procedure set and the templates are embedded in the binary (`include_dir!`). Editing a
//! file is tracked by the compiler, but a *new* file is not: watching the folders makes cargo
//! rebuild when a supervisor adds a procedure or a form.
fn main() {
    for dir in ["procedures", "templates", "fixtures/cards"] {
        println!("cargo:rerun-if-changed={dir}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

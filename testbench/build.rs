//! Records the target triple so that the run-time model builder can configure `cc::Build` (which reads
//! `TARGET`/`HOST` only inside build scripts) for the machine the tests run on.
fn main() {
    let target = std::env::var("TARGET").expect("cargo sets TARGET for build scripts");
    println!("cargo:rustc-env=TESSERA_TESTBENCH_TARGET={target}");
    println!("cargo:rerun-if-changed=build.rs");
}

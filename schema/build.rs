//! Compiles tabx's tensorflow_metadata `.proto` files (proto/tabx/metadata/)
//! into one encoded `FileDescriptorSet` in `OUT_DIR`, which `src/proto.rs`
//! embeds. protox is a protobuf compiler written in Rust, so building tabx
//! needs no `protoc`.

use std::path::PathBuf;

/// The files tabx's artifacts need; their imports (path.proto,
/// derived_feature.proto, google/protobuf/any.proto) come along.
const ROOTS: [&str; 3] =
    ["tabx/metadata/statistics.proto", "tabx/metadata/schema.proto", "tabx/metadata/anomalies.proto"];

fn main() {
    let include =
        PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR")).join("proto");
    println!("cargo:rerun-if-changed={}", include.display());

    let mut compiler = protox::Compiler::new([&include]).unwrap_or_else(|e| panic!("protox: {e}"));
    // Comments and source positions are not needed at run time; leaving them
    // out keeps the embedded set small.
    compiler.include_source_info(false).include_imports(true);
    if let Err(e) = compiler.open_files(ROOTS) {
        // Debug shows the file and line of a syntax error.
        panic!("compiling tensorflow_metadata protos: {e:?}");
    }
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("tfmd_descriptor_set.bin");
    std::fs::write(&out, compiler.encode_file_descriptor_set())
        .unwrap_or_else(|e| panic!("writing {}: {e}", out.display()));
}

//! The fuzz corpus kept in `fuzz/corpus/` replayed through the fuzz targets' own bodies
//! (`fuzz/targets.rs`) with every `cargo test`: an input that once crashed a parser, or that
//! libFuzzer found interesting, keeps being checked without the fuzzing tools installed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../../../fuzz/targets.rs"]
mod targets;

use std::path::Path;

#[test]
fn every_kept_fuzz_input_passes_its_target() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz/corpus");
    for (name, target) in targets::TARGETS {
        let dir = root.join(name);
        let mut inputs: Vec<_> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect();
        inputs.sort();
        // Each target keeps its seeds at least; an empty folder means the corpus went missing.
        assert!(!inputs.is_empty(), "no corpus for {name}");
        for path in inputs {
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(
                outcome.is_ok(),
                "{name}: {} breaks the target",
                path.display()
            );
        }
    }
}

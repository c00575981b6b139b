//! `tabx push`: TFX Pusher. A model whose evaluation left a `BLESSED` marker
//! is copied, with the fitted transform it was trained on, to the folder
//! serving reads (a path or an object-store URL); a `NOT_BLESSED` model is
//! not pushed and the command says so (exit 1, or 0 with
//! `--findings-exit-zero` in a pipeline, where the blessing gates the push).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use tabx_analyze::{BLESSED_FILE, NOT_BLESSED_FILE};
use tabx_model::Model;
use tabx_transform::{TransformArtifact, Transformer};

use super::Outcome;
use crate::args::PushArgs;
use crate::output::write_atomically;

pub fn push(args: &PushArgs, quiet: bool) -> Result<Outcome> {
    let blessed = read_blessing(&args.blessing)?;
    crate::kfp::record("pushed", if blessed { 1.0 } else { 0.0 });
    if !blessed {
        if !quiet {
            eprintln!("not pushed: the model is NOT_BLESSED ({})", args.blessing.join(NOT_BLESSED_FILE).display());
        }
        return Ok(Outcome::Findings);
    }
    // Both are loaded first: a push must not publish a file serving cannot read.
    let model_path = crate::remote::fetch(&args.model)?;
    let model = Model::load(&model_path).with_context(|| format!("cannot read the model {}", args.model.display()))?;
    let transform_path = crate::remote::fetch(&args.transform)?;
    let transform = TransformArtifact::load(&transform_path)
        .with_context(|| format!("cannot read the transform {}", args.transform.display()))?;
    let transformer = Transformer::try_new(transform)?;
    tabx::check_model_reads(&transformer, &model).with_context(|| format!("cannot push {}", args.model.display()))?;
    for (from, name) in [(&model_path, "model.json"), (&transform_path, "transform.json")] {
        let bytes = std::fs::read(from).with_context(|| format!("cannot read {}", from.display()))?;
        write_atomically(&args.output.join(name), &bytes)?;
    }
    if !quiet {
        eprintln!("pushed: {} and its transform to {}", args.model.display(), args.output.display());
    }
    Ok(Outcome::Ok)
}

/// Whether `dir` holds TFX Evaluator's `BLESSED` marker (`false` for
/// `NOT_BLESSED`); an error when it holds neither.
fn read_blessing(dir: &Path) -> Result<bool> {
    let marker = |name: &str| -> Option<PathBuf> {
        let path = dir.join(name);
        // A URL's marker is an object: fetching it fails where it is absent.
        crate::remote::fetch(&path).ok().filter(|local| local.exists())
    };
    match (marker(BLESSED_FILE), marker(NOT_BLESSED_FILE)) {
        (Some(_), None) => Ok(true),
        (None, Some(_)) => Ok(false),
        (Some(_), Some(_)) => bail!(
            "{} holds both BLESSED and NOT_BLESSED\nhint: give each evaluation its own --blessing folder",
            dir.display()
        ),
        (None, None) => bail!(
            "no BLESSED or NOT_BLESSED marker in {}\nhint: write it with `tabx evaluate ... --blessing {}`",
            dir.display(),
            dir.display()
        ),
    }
}

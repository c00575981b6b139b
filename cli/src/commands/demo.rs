//! `tabx demo`: the main job on the embedded Chicago taxi data, artifacts in a folder.

use anyhow::{Context, Result};
use tabx_engine::SourceOptions;
use tabx_schema::StatsOptions;

use super::Outcome;
use crate::args::{DemoArgs, OutputFormat};
use crate::driver::compute_stats;
use crate::output::{print_out, write_atomically, write_statistics};
use crate::summary::feature_table;

pub fn demo(args: &DemoArgs, quiet: bool) -> Result<Outcome> {
    let dir = &args.output;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let data = dir.join("data.csv");
    write_atomically(&data, tabx_datasets::TAXI_CSV)?;

    let inputs = vec![data.display().to_string()];
    let run = compute_stats(&inputs, SourceOptions::default(), &StatsOptions::default())?;
    let statistics = run.state.finish();
    let stats_path = dir.join("stats.json");
    write_statistics(&statistics, &stats_path, OutputFormat::Json)?;

    if !quiet {
        print_out(format!(
            "Chicago taxi trips: {} examples, {} features\n",
            statistics.datasets[0].num_examples,
            statistics.datasets[0].features.len()
        ))?;
        print_out(feature_table(&statistics.datasets[0]))?;
        print_out(format!("\nartifacts in {}:", dir.display()))?;
        print_out("  data.csv     the embedded taxi data")?;
        print_out("  stats.json   TFDV statistics (DatasetFeatureStatisticsList, protobuf JSON)")?;
        print_out(format!(
            "\nnext: tabx stats {} --slice payment_type -o {}",
            data.display(),
            dir.join("sliced.json").display()
        ))?;
    }
    Ok(Outcome::Ok)
}

//! The readable per-feature summary printed after `tabx stats` and `tabx merge`.

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use tabx_schema::{DatasetFeatureStatistics, FeatureNameStatistics, FeatureType};

/// A table with one row per feature of `dataset`.
pub fn feature_table(dataset: &DatasetFeatureStatistics) -> Table {
    let mut table = Table::new();
    table.load_preset(UTF8_FULL_CONDENSED).set_content_arrangement(ContentArrangement::Dynamic);
    table.set_header(["feature", "type", "missing", "mean", "std_dev", "min", "median", "max", "unique", "top value"]);
    for feature in &dataset.features {
        table.add_row(feature_row(feature, dataset.num_examples));
    }
    for column in 2..9 {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

fn feature_row(f: &FeatureNameStatistics, num_examples: u64) -> Vec<Cell> {
    let missing = f.common().map_or(0, |c| c.num_missing);
    let missing = percent(missing, num_examples);
    let mut row = vec![f.name.clone(), type_name(f.feature_type).to_string(), missing];
    match (&f.num_stats, &f.string_stats) {
        (Some(n), _) if n.common_stats.num_non_missing > 0 => {
            row.extend([n.mean, n.std_dev, n.min, n.median, n.max].map(number));
            row.extend([String::new(), String::new()]);
        }
        (_, Some(s)) if s.common_stats.num_non_missing > 0 => {
            row.extend(std::iter::repeat_n(String::new(), 5));
            row.push(s.unique.to_string());
            row.push(match s.top_values.first() {
                Some(top) => format!("{} ({})", shorten(&top.value, 28), number(top.frequency)),
                None => String::new(),
            });
        }
        _ => row.extend(std::iter::repeat_n(String::new(), 7)),
    }
    row.into_iter().map(Cell::new).collect()
}

/// `part` of `whole` as a percentage with one decimal, never rounding a few
/// missing values to 0.0% or a few present ones to 100.0%.
fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        return "-".into();
    }
    let p = 100.0 * part as f64 / whole as f64;
    match p {
        _ if part > 0 && p < 0.05 => "<0.1%".into(),
        _ if part < whole && p >= 99.95 => ">99.9%".into(),
        _ => format!("{p:.1}%"),
    }
}

fn type_name(t: FeatureType) -> &'static str {
    match t {
        FeatureType::Int => "INT",
        FeatureType::Float => "FLOAT",
        FeatureType::String => "STRING",
        FeatureType::Bytes => "BYTES",
        FeatureType::Struct => "STRUCT",
    }
}

/// Up to 6 significant digits, integers without a fraction, huge or tiny in e-notation.
pub fn number(x: f64) -> String {
    if !x.is_finite() {
        return if x.is_nan() {
            "NaN".into()
        } else if x > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let magnitude = x.abs();
    if x == x.trunc() && magnitude < 1e15 {
        format!("{x:.0}")
    } else if (1e-4..1e15).contains(&magnitude) {
        let digits = (5 - magnitude.log10().floor() as i32).clamp(0, 9) as usize;
        let text = format!("{x:.digits$}");
        if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.').to_string() } else { text }
    } else {
        format!("{x:.5e}")
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// `1 anomaly`, `2 anomalies`: a count with its noun.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 { format!("1 {one}") } else { format!("{n} {many}") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_do_not_hide_a_few_rows() {
        // The taxi data: pickup_census_tract is missing in 15,001 of 15,002 rows.
        assert_eq!(percent(15001, 15002), ">99.9%");
        assert_eq!(percent(2, 15002), "<0.1%");
        assert_eq!(percent(483, 15002), "3.2%");
        assert_eq!((percent(0, 10), percent(10, 10), percent(0, 0)), ("0.0%".into(), "100.0%".into(), "-".into()));
    }

    #[test]
    fn counts_take_their_noun() {
        assert_eq!(count(1, "anomaly", "anomalies"), "1 anomaly");
        assert_eq!(count(0, "anomaly", "anomalies"), "0 anomalies");
        assert_eq!(count(3, "slice", "slices"), "3 slices");
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(number(15002.0), "15002");
        assert_eq!(number(11.7812345), "11.7812");
        assert_eq!(number(-87.6432109), "-87.6432");
        assert_eq!(number(0.000123456), "0.000123456");
        assert_eq!(number(1.7e20), "1.70000e20");
        assert_eq!(number(1408495048.020264), "1408495048");
        assert_eq!(number(17031345278.265589), "17031345278");
        assert_eq!(number(f64::NEG_INFINITY), "-inf");
    }
}

//! Statistics of the real taxi data against pandas, and CSV against Parquet.
//!
//! Expected numbers come from pandas 2.2.3 on `datasets/data/data.csv`
//! (`pd.read_csv(..., keep_default_na=False, na_values=[''])`; numeric columns:
//! `dropna()`, `.mean()`, `.std(ddof=0)`, `.min()`, `.max()`, `(v == 0).sum()`;
//! string columns: `value_counts()`, `str.len().mean()`).

use tabx_schema::{FeatureType, HistogramType};
use tabx_tests::{assert_close, feature, stats_of, taxi_file};

/// (column, type, non-missing, missing, mean, std_dev (ddof 0), min, max, zeros), from pandas.
type Expected = (&'static str, FeatureType, u64, u64, f64, f64, f64, f64, u64);

const NUMERIC: &[Expected] = &[
    ("pickup_community_area", FeatureType::Int, 15000, 2, 22.25026666666667, 19.414181241098532, 1.0, 77.0, 0),
    ("fare", FeatureType::Float, 15002, 0, 11.768216237834956, 11.538465887273059, 0.0, 700.07, 27),
    ("trip_start_hour", FeatureType::Int, 15002, 0, 13.632315691241168, 6.620705832771598, 0.0, 23.0, 602),
    (
        "trip_start_timestamp",
        FeatureType::Int,
        15002,
        0,
        1408495048.020264,
        29159455.991009735,
        1357000200.0,
        1483116300.0,
        0,
    ),
    (
        "pickup_latitude",
        FeatureType::Float,
        15000,
        2,
        41.90304570834106,
        0.037750233506433334,
        41.694878966,
        42.009622881,
        0,
    ),
    (
        "dropoff_longitude",
        FeatureType::Float,
        14519,
        483,
        -87.65411345950113,
        0.056614234130705,
        -87.913624596,
        -87.540935513,
        0,
    ),
    ("trip_miles", FeatureType::Float, 15002, 0, 2.872819624050127, 15.275498251854652, 0.0, 1710.0, 4091),
    ("pickup_census_tract", FeatureType::Int, 1, 15001, 17031081401.0, 0.0, 17031081401.0, 17031081401.0, 0),
    (
        "dropoff_census_tract",
        FeatureType::Int,
        10761,
        4241,
        17031345278.265589,
        331208.8949714059,
        17031010100.0,
        17031980100.0,
        0,
    ),
    ("trip_seconds", FeatureType::Int, 14996, 6, 777.6275006668445, 977.506174660966, 0.0, 72120.0, 484),
    ("tips", FeatureType::Float, 15002, 0, 1.0766744434075455, 2.158268487194553, 0.0, 47.0, 10259),
];

#[test]
fn csv_numeric_statistics_match_pandas() {
    let stats = stats_of(&taxi_file("data.csv"), 0);
    assert_eq!(stats.num_examples, 15002);
    assert_eq!(stats.features.len(), 18);
    for &(name, kind, present, missing, mean, std_dev, min, max, zeros) in NUMERIC {
        let f = feature(&stats, name);
        assert_eq!(f.feature_type, kind, "{name}");
        let n = f.num_stats.as_ref().unwrap_or_else(|| panic!("{name} has no num_stats"));
        assert_eq!((n.common_stats.num_non_missing, n.common_stats.num_missing), (present, missing), "{name}");
        // pandas sums pairwise, tabx exactly: they agree to ~1e-15 relative.
        assert_close(n.mean, mean, 1e-12);
        assert_close(n.std_dev, std_dev, 1e-9);
        assert_eq!((n.min, n.max, n.num_zeros), (min, max, zeros), "{name}");
    }
}

#[test]
fn csv_string_statistics_match_pandas() {
    let stats = stats_of(&taxi_file("data.csv"), 0);
    let payment = feature(&stats, "payment_type");
    assert_eq!(payment.feature_type, FeatureType::String);
    let s = payment.string_stats.as_ref().unwrap();
    assert_eq!(s.unique, 7);
    let top: Vec<(&str, f64)> = s.top_values.iter().take(3).map(|t| (t.value.as_str(), t.frequency)).collect();
    assert_eq!(top, vec![("Cash", 9909.0), ("Credit Card", 4975.0), ("No Charge", 81.0)]);
    assert_close(s.avg_length, 6.3552859618717505, 1e-12);

    let company = feature(&stats, "company").string_stats.as_ref().unwrap();
    assert_eq!((company.common_stats.num_non_missing, company.common_stats.num_missing), (9862, 5140));
    assert_eq!(company.unique, 61);
    assert_eq!(company.top_values[0].value, "Taxi Affiliation Services");
    assert_eq!(company.top_values[0].frequency, 5176.0);
    assert_close(company.avg_length, 25.51186371932671, 1e-12);
}

/// Every numeric column's deciles, TFDV's definition: the value at 0-based
/// position ⌊q·n⌋ of the sorted non-missing values. From numpy 2.4.6 and
/// pandas 3.1.1: `x = np.sort(d[c].dropna().to_numpy()); x[int(np.floor(q * len(x)))]`.
#[rustfmt::skip]
const DECILES: &[(&str, [f64; 9])] = &[
    ("pickup_community_area", [6.0, 8.0, 8.0, 8.0, 8.0, 28.0, 32.0, 32.0, 35.0]),
    ("fare", [4.84, 5.45, 6.25, 7.05, 7.85, 9.25, 11.05, 14.85, 27.9]),
    ("trip_start_month", [2.0, 3.0, 4.0, 5.0, 7.0, 8.0, 9.0, 10.0, 11.0]),
    ("trip_start_hour", [2.0, 8.0, 10.0, 13.0, 15.0, 17.0, 18.0, 20.0, 22.0]),
    ("trip_start_day", [1.0, 2.0, 3.0, 4.0, 4.0, 5.0, 6.0, 6.0, 7.0]),
    ("trip_start_timestamp", [1369261800.0, 1380139200.0, 1389471300.0, 1398479400.0, 1407259800.0, 1416521700.0, 1426446900.0, 1436203800.0, 1446327000.0]),
    ("pickup_latitude", [41.877406123, 41.880994471, 41.884987192, 41.892042136, 41.892507781, 41.899602111, 41.905857769, 41.934659157, 41.96581197]),
    ("pickup_longitude", [-87.699155343, -87.6572332, -87.651310877, -87.642648998, -87.633308037, -87.632746489, -87.628874157, -87.625192142, -87.620992913]),
    ("dropoff_latitude", [41.874005383, 41.880994471, 41.884987192, 41.892042136, 41.89321636, 41.899602111, 41.908378669, 41.93057857, 41.957903897]),
    ("dropoff_longitude", [-87.687515515, -87.66351755, -87.655878786, -87.642808466, -87.634156093, -87.632746489, -87.628874157, -87.625192142, -87.620762865]),
    ("trip_miles", [0.0, 0.0, 0.1, 0.6, 1.0, 1.4, 2.0, 3.3, 7.4]),
    ("pickup_census_tract", [17031081401.0, 17031081401.0, 17031081401.0, 17031081401.0, 17031081401.0, 17031081401.0, 17031081401.0, 17031081401.0, 17031081401.0]),
    ("dropoff_census_tract", [17031071200.0, 17031081201.0, 17031081403.0, 17031081700.0, 17031241500.0, 17031320100.0, 17031330100.0, 17031839100.0, 17031839100.0]),
    ("trip_seconds", [180.0, 300.0, 360.0, 480.0, 540.0, 660.0, 840.0, 1080.0, 1560.0]),
    ("dropoff_community_area", [6.0, 8.0, 8.0, 8.0, 12.0, 28.0, 32.0, 32.0, 33.0]),
    ("tips", [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.11]),
];

/// Every column of the sample has at most `ExactValues::MAX_DISTINCT` distinct
/// values (trip_start_timestamp has the most, 13,789), so the median and the
/// QUANTILES histogram's edges are exact: equal to numpy's, not just within
/// the sketch's rank bound (`dropoff_community_area`'s median 12 sits at rank
/// 0.5001, and the sketch once said 13).
#[test]
fn medians_and_deciles_are_exact() {
    let stats = stats_of(&taxi_file("data.csv"), 0);
    for (name, deciles) in DECILES {
        let f = feature(&stats, name);
        let numeric = f.num_stats.as_ref().unwrap();
        assert_eq!(numeric.median, deciles[4], "{name} median");
        let quantiles = numeric.histograms.iter().find(|h| h.histogram_type == HistogramType::Quantiles).unwrap();
        let edges: Vec<f64> = quantiles.buckets[1..].iter().map(|b| b.low_value).collect();
        assert_eq!(edges, deciles, "{name} deciles");
        let how = f.custom_stats.iter().find(|c| c.name == "tabx_quantiles").and_then(|c| c.str.clone());
        assert!(how.as_deref().is_some_and(|h| h.starts_with("exact: ")), "{name}: {how:?}");
    }
}

#[test]
fn csv_and_parquet_give_the_same_statistics() {
    let csv = stats_of(&taxi_file("data.csv"), 0);
    let parquet = stats_of(&taxi_file("data.parquet"), 0);
    assert_eq!(csv.num_examples, parquet.num_examples);
    for c in &csv.features {
        let p = feature(&parquet, &c.name);
        if c.name == "company" {
            // The Parquet file (pyarrow, via pandas) holds "" where the CSV has an empty
            // cell: in CSV that is a missing value (as in TFDV), in Parquet a present
            // empty string. pyarrow: pc.sum(pc.equal(t['company'], '')) = 5140.
            let (cs, ps) = (c.string_stats.as_ref().unwrap(), p.string_stats.as_ref().unwrap());
            assert_eq!(ps.common_stats.num_non_missing, cs.common_stats.num_non_missing + cs.common_stats.num_missing);
            assert_eq!(ps.unique, cs.unique + 1);
            assert!(ps.top_values.iter().any(|t| t.value.is_empty() && t.frequency == 5140.0));
            continue;
        }
        assert_eq!(c.feature_type, p.feature_type, "{}", c.name);
        assert_eq!(c.common(), p.common(), "{}", c.name);
        match (&c.num_stats, &p.num_stats) {
            (Some(a), Some(b)) => {
                // Exact statistics are bit-identical across formats and partitionings.
                assert_eq!(
                    (a.mean, a.std_dev, a.min, a.max, a.num_zeros),
                    (b.mean, b.std_dev, b.min, b.max, b.num_zeros),
                    "{}",
                    c.name
                );
            }
            (None, None) => assert_eq!(c.string_stats, p.string_stats, "{}", c.name),
            _ => panic!("{}: numeric in one format only", c.name),
        }
    }
}

#[test]
fn exact_statistics_do_not_depend_on_the_number_of_threads() {
    let one = stats_of(&taxi_file("data.csv"), 1);
    let two = stats_of(&taxi_file("data.csv"), 2);
    for (a, b) in one.features.iter().zip(&two.features) {
        assert_eq!(a.common(), b.common(), "{}", a.name);
        if let (Some(x), Some(y)) = (&a.num_stats, &b.num_stats) {
            assert_eq!(
                (x.mean.to_bits(), x.std_dev.to_bits(), x.min, x.max),
                (y.mean.to_bits(), y.std_dev.to_bits(), y.min, y.max)
            );
        }
        assert_eq!(a.string_stats, b.string_stats, "{}", a.name);
    }
}

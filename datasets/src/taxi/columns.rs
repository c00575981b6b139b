//! The taxi columns as a table: name, type, when the cell is empty, and how its
//! value is read from the row's [`Trip`]. Header order is the real file's.
//!
//! To add a column, or a drift/anomaly knob on one, edit a row here: the CSV and
//! Parquet writers and the tests walk this table and know no column by name.

use super::measured::MISSING_RATES;
use super::model::{Part, Trip};

/// The value type of a column: Parquet `int64`, `double` or `string` as in the
/// real `data.parquet`, and the type TFDV infers from the CSV.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Int,
    Float,
    Str,
}

/// One cell's value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Cell {
    Int(i64),
    Float(f64),
    Str(&'static str),
}

/// When a column's cell is empty.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Missing {
    Never,
    /// Empty in this share of rows, drawn for this column alone.
    Rate(f64),
    /// Empty whenever the trip lost this part of its record, so that the columns
    /// naming that part are empty together, as in the source.
    Lost(Part),
    /// Empty when the part is lost, and otherwise in this share of rows.
    LostOr(Part, f64),
}

/// One column of the generated table.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub missing: Missing,
    pub value: fn(&Trip) -> Cell,
}

const fn col(name: &'static str, kind: Kind, missing: Missing, value: fn(&Trip) -> Cell) -> ColumnSpec {
    ColumnSpec { name, kind, missing, value }
}

use Kind::{Float, Int, Str};
use Missing::{Lost, LostOr, Never, Rate};

/// Every column, in the order of the real header.
pub(crate) const COLUMNS: [ColumnSpec; 18] = [
    col("pickup_community_area", Int, Lost(Part::Pickup), |t| Cell::Int(t.pickup.area.into())),
    col("fare", Float, Never, |t| Cell::Float(t.fare)),
    col("trip_start_month", Int, Never, |t| Cell::Int(t.month)),
    col("trip_start_hour", Int, Never, |t| Cell::Int(t.hour)),
    col("trip_start_day", Int, Never, |t| Cell::Int(t.weekday)),
    col("trip_start_timestamp", Int, Never, |t| Cell::Int(t.start)),
    col("pickup_latitude", Float, Lost(Part::Pickup), |t| Cell::Float(t.pickup.lat)),
    col("pickup_longitude", Float, Lost(Part::Pickup), |t| Cell::Float(t.pickup.lon)),
    col("dropoff_latitude", Float, Lost(Part::DropoffPoint), |t| Cell::Float(t.dropoff.lat)),
    col("dropoff_longitude", Float, Lost(Part::DropoffPoint), |t| Cell::Float(t.dropoff.lon)),
    col("trip_miles", Float, Never, |t| Cell::Float(t.miles)),
    // The real sample has one pickup tract in 15,002 rows: nearly always empty.
    col("pickup_census_tract", Int, Rate(rate("pickup_census_tract")), |t| Cell::Int(t.pickup.tract)),
    // Empty with the dropoff area (94% of those rows in the sample, all of them
    // here) and on its own otherwise, at the rate that makes up the total.
    col(
        "dropoff_census_tract",
        Int,
        LostOr(Part::DropoffArea, conditional(rate("dropoff_census_tract"), rate("dropoff_community_area"))),
        |t| Cell::Int(t.dropoff.tract),
    ),
    col("payment_type", Str, Never, |t| Cell::Str(t.payment_type)),
    col("company", Str, Rate(rate("company")), |t| Cell::Str(t.company)),
    col("trip_seconds", Int, Rate(rate("trip_seconds")), |t| Cell::Int(t.seconds)),
    col("dropoff_community_area", Int, Lost(Part::DropoffArea), |t| Cell::Int(t.dropoff.area.into())),
    col("tips", Float, Never, |t| Cell::Float(t.tips)),
];

/// The real sample's missing rate of a column (`measured::MISSING_RATES`).
/// Panics at compile time for an unknown name.
pub(crate) const fn rate(name: &str) -> f64 {
    let mut i = 0;
    while i < MISSING_RATES.len() {
        if str_eq(MISSING_RATES[i].0, name) {
            return MISSING_RATES[i].1;
        }
        i += 1;
    }
    panic!("no measured missing rate for this column");
}

/// P(missing | part kept) such that the total rate is `total` when the part is
/// lost at rate `lost` and the column is then always missing.
const fn conditional(total: f64, lost: f64) -> f64 {
    (total - lost) / (1.0 - lost)
}

const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_follows_the_real_header() {
        let header = crate::TAXI_CSV.split(|&b| b == b'\n').next().unwrap();
        let names: Vec<&str> = COLUMNS.iter().map(|c| c.name).collect();
        assert_eq!(names.join(",").as_bytes(), header);
    }
}

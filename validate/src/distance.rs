//! Distances between two statistics of one feature, as TFDV's skew and drift
//! comparators compute them.

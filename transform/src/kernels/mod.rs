//! Arrow kernels and analyzer states shared by the ops.

// The CUDA backend's kernels, compiled at run time by NVRTC with --fmad=false
// (no fused multiply-add where the source does not ask for one: the CPU path
// promises none, so + - * / and comparisons give the same bits).
//
// Every kernel reads its input column as the host's Arrow buffer (values; a
// validity bitmap where nulls matter), grid-strided so any grid covers any n.
// Each mirrors one CPU function, named above it; keep the two in step.

typedef unsigned long long u64;
typedef long long i64;
typedef unsigned int u32;

#define GRID_STRIDE(i, n) \
    for (u64 i = (u64)blockIdx.x * blockDim.x + threadIdx.x; i < (n); i += (u64)gridDim.x * blockDim.x)

// Arrow validity: bit (offset + i) of the bitmap, LSB first; no bitmap = valid.
__device__ __forceinline__ bool is_valid(const unsigned char* valid, u64 offset, int has_valid, u64 i) {
    if (!has_valid) return true;
    u64 bit = offset + i;
    return (valid[bit >> 3] >> (bit & 7)) & 1;
}

// ---- numeric apply ops (backend/cpu.rs) ------------------------------------

// CpuBackend::sub_div: (x - shift) / divisor.
extern "C" __global__ void sub_div(const double* x, double* out, u64 n, double shift, double divisor) {
    GRID_STRIDE(i, n) { out[i] = (x[i] - shift) / divisor; }
}

// CpuBackend::mul_add: x * scale + offset, rounded twice.
extern "C" __global__ void mul_add(const double* x, double* out, u64 n, double scale, double offset) {
    GRID_STRIDE(i, n) { out[i] = __dadd_rn(__dmul_rn(x[i], scale), offset); }
}

// CpuBackend::sigmoid: 1 / (1 + e^-x).
extern "C" __global__ void sigmoid(const double* x, double* out, u64 n) {
    GRID_STRIDE(i, n) { out[i] = 1.0 / (1.0 + exp(-x[i])); }
}

// CpuBackend::log1p: ln(1 + x) (CUDA's log1p: at most 1 ulp from the exact value).
extern "C" __global__ void log1p_op(const double* x, double* out, u64 n) {
    GRID_STRIDE(i, n) { out[i] = log1p(x[i]); }
}

// CpuBackend::clip: f64::clamp's comparisons (so -0.0 stays -0.0 at a 0.0
// bound, as on the CPU), NaN kept.
extern "C" __global__ void clip(const double* x, double* out, u64 n, double lo, double hi) {
    GRID_STRIDE(i, n) {
        double v = x[i];
        if (!isnan(v)) {
            if (v < lo) v = lo;
            if (v > hi) v = hi;
        }
        out[i] = v;
    }
}

// CpuBackend::buckets: how many boundaries are <= x (partition_point), NaN -> nb.
extern "C" __global__ void buckets(const double* x, i64* out, u64 n, const double* boundaries, u64 nb) {
    GRID_STRIDE(i, n) {
        double v = x[i];
        if (isnan(v)) {
            out[i] = (i64)nb;
            continue;
        }
        u64 lo = 0, hi = nb;
        while (lo < hi) {
            u64 mid = lo + (hi - lo) / 2;
            if (boundaries[mid] <= v) lo = mid + 1; else hi = mid;
        }
        out[i] = (i64)lo;
    }
}

// CpuBackend::fill_nulls for 64-bit columns (f64 and i64 as their bits).
extern "C" __global__ void fill_nulls_64(const u64* x, u64* out, u64 n, const unsigned char* valid, u64 offset, u64 value) {
    GRID_STRIDE(i, n) { out[i] = is_valid(valid, offset, 1, i) ? x[i] : value; }
}

// ---- FarmHash Fingerprint64 (kernels/hash.rs, a port of farmhashna::Hash64) --

#define K0 0xc3a5c85c97cb3127ULL
#define K1 0xb492b66fbe98f273ULL
#define K2 0x9ae16a3b2f90404fULL

__device__ __forceinline__ u64 fetch64(const unsigned char* s) {
    u64 v = 0;
    for (int k = 7; k >= 0; k--) v = (v << 8) | s[k];
    return v;
}

__device__ __forceinline__ u64 fetch32(const unsigned char* s) {
    return (u64)s[0] | ((u64)s[1] << 8) | ((u64)s[2] << 16) | ((u64)s[3] << 24);
}

__device__ __forceinline__ u64 rotr(u64 v, int s) { return (v >> s) | (v << (64 - s)); }
__device__ __forceinline__ u64 shift_mix(u64 v) { return v ^ (v >> 47); }

__device__ u64 hash_len16(u64 u, u64 v, u64 mul) {
    u64 a = (u ^ v) * mul;
    a ^= a >> 47;
    u64 b = (v ^ a) * mul;
    b ^= b >> 47;
    return b * mul;
}

__device__ u64 hash_len0to16(const unsigned char* s, u64 len) {
    if (len >= 8) {
        u64 mul = K2 + len * 2;
        u64 a = fetch64(s) + K2;
        u64 b = fetch64(s + len - 8);
        u64 c = rotr(b, 37) * mul + a;
        u64 d = (rotr(a, 25) + b) * mul;
        return hash_len16(c, d, mul);
    }
    if (len >= 4) {
        u64 mul = K2 + len * 2;
        u64 a = fetch32(s);
        return hash_len16(len + (a << 3), fetch32(s + len - 4), mul);
    }
    if (len > 0) {
        u32 a = s[0], b = s[len >> 1], c = s[len - 1];
        u32 y = a + (b << 8);
        u32 z = (u32)len + (c << 2);
        return shift_mix((u64)y * K2 ^ (u64)z * K0) * K2;
    }
    return K2;
}

__device__ u64 hash_len17to32(const unsigned char* s, u64 len) {
    u64 mul = K2 + len * 2;
    u64 a = fetch64(s) * K1;
    u64 b = fetch64(s + 8);
    u64 c = fetch64(s + len - 8) * mul;
    u64 d = fetch64(s + len - 16) * K2;
    return hash_len16(rotr(a + b, 43) + rotr(c, 30) + d, a + rotr(b + K2, 18) + c, mul);
}

__device__ u64 hash_len33to64(const unsigned char* s, u64 len) {
    u64 mul = K2 + len * 2;
    u64 a = fetch64(s) * K2;
    u64 b = fetch64(s + 8);
    u64 c = fetch64(s + len - 8) * mul;
    u64 d = fetch64(s + len - 16) * K2;
    u64 y = rotr(a + b, 43) + rotr(c, 30) + d;
    u64 z = hash_len16(y, a + rotr(b + K2, 18) + c, mul);
    u64 e = fetch64(s + 16) * mul;
    u64 f = fetch64(s + 24);
    u64 g = (y + fetch64(s + len - 32)) * mul;
    u64 h = (z + fetch64(s + len - 24)) * mul;
    return hash_len16(rotr(e + f, 43) + rotr(g, 30) + h, e + rotr(f + a, 18) + g, mul);
}

__device__ void weak_hash_len32_with_seeds(const unsigned char* s, u64 a, u64 b, u64* first, u64* second) {
    u64 w = fetch64(s), x = fetch64(s + 8), y = fetch64(s + 16), z = fetch64(s + 24);
    a += w;
    b = rotr(b + a + z, 21);
    u64 c = a;
    a += x + y;
    b += rotr(a, 44);
    *first = a + z;
    *second = b + c;
}

__device__ u64 fingerprint64(const unsigned char* s, u64 len) {
    const u64 seed = 81;
    if (len <= 16) return hash_len0to16(s, len);
    if (len <= 32) return hash_len17to32(s, len);
    if (len <= 64) return hash_len33to64(s, len);
    u64 x = seed;
    u64 y = seed * K1 + 113;
    u64 z = shift_mix(y * K2 + 113) * K2;
    u64 v0 = 0, v1 = 0, w0 = 0, w1 = 0;
    x = x * K2 + fetch64(s);
    u64 end = ((len - 1) / 64) * 64;
    u64 last64 = end + ((len - 1) & 63) - 63;
    for (u64 p = 0; p != end; p += 64) {
        const unsigned char* q = s + p;
        x = rotr(x + y + v0 + fetch64(q + 8), 37) * K1;
        y = rotr(y + v1 + fetch64(q + 48), 42) * K1;
        x ^= w1;
        y += v0 + fetch64(q + 40);
        z = rotr(z + w0, 33) * K1;
        weak_hash_len32_with_seeds(q, v1 * K1, x + w0, &v0, &v1);
        weak_hash_len32_with_seeds(q + 32, z + w1, y + fetch64(q + 16), &w0, &w1);
        u64 t = z; z = x; x = t;
    }
    u64 mul = K1 + ((z & 0xff) << 1);
    const unsigned char* q = s + last64;
    w0 += (len - 1) & 63;
    v0 += w0;
    w0 += v0;
    x = rotr(x + y + v0 + fetch64(q + 8), 37) * mul;
    y = rotr(y + v1 + fetch64(q + 48), 42) * mul;
    x ^= w1 * 9;
    y += v0 * 9 + fetch64(q + 40);
    z = rotr(z + w0, 33) * mul;
    weak_hash_len32_with_seeds(q, v1 * mul, x + w0, &v0, &v1);
    weak_hash_len32_with_seeds(q + 32, z + w1, y + fetch64(q + 16), &w0, &w1);
    u64 t = z; z = x; x = t;
    return hash_len16(hash_len16(v0, w0, mul) + shift_mix(y) * K0 + z, hash_len16(v1, w1, mul) + x, mul);
}

// kernels::hash_strings: Fingerprint64(s) % buckets per string of a Utf8
// column; `offsets` are the array's n + 1 offsets, `base` the first of them
// (the bytes were copied from there).
extern "C" __global__ void hash_strings(const int* offsets, const unsigned char* bytes, i64* out, u64 n, u64 buckets, u64 base) {
    GRID_STRIDE(i, n) {
        u64 start = (u64)offsets[i] - base, end = (u64)offsets[i + 1] - base;
        out[i] = (i64)(fingerprint64(bytes + start, end - start) % buckets);
    }
}

// VocabularyLookup::id per string of a Utf8 column (kernels/vocab.rs): an
// open-addressing table of the tokens' fingerprints (linear probing, `mask + 1`
// slots, id -1 = empty; built by vocab.rs in this folder), each hit confirmed
// byte by byte against the token (tokens in id order at tok_offsets); unknown
// tokens get vocab_size + Fingerprint64 % num_oov, or default_value.
extern "C" __global__ void vocab_lookup(const int* offsets, const unsigned char* bytes, u64 n, u64 base,
                                        const u64* keys, const i64* ids, u64 mask, const u64* tok_offsets,
                                        const unsigned char* tok_bytes, u64 vocab_size, u64 num_oov,
                                        i64 default_value, i64* out) {
    GRID_STRIDE(i, n) {
        const unsigned char* s = bytes + ((u64)offsets[i] - base);
        u64 len = (u64)(offsets[i + 1] - offsets[i]);
        u64 fp = fingerprint64(s, len);
        i64 found = -1;
        for (u64 slot = fp & mask;; slot = (slot + 1) & mask) {
            i64 id = ids[slot];
            if (id < 0) break;
            if (keys[slot] != fp) continue;
            u64 start = tok_offsets[id], end = tok_offsets[id + 1];
            bool same = end - start == len;
            for (u64 k = 0; same && k < len; k++) same = tok_bytes[start + k] == s[k];
            if (same) { found = id; break; }
        }
        out[i] = found >= 0 ? found : (num_oov > 0 ? (i64)vocab_size + (i64)(fp % num_oov) : default_value);
    }
}

// VocabularyState::update's counts of a Utf8 column: an open-addressing
// table of `mask + 1` slots (linear probing from the string's Fingerprint64),
// each slot keyed by the first row of its string plus one (0 = empty), which
// a thread claims with atomicCAS; a string belongs to a slot when its bytes
// equal that row's, so the counts are exact whatever the fingerprints do.
// Nulls are not counted. The host gives more slots than rows, so a probe
// always reaches its string's slot or an empty one.
__device__ bool same_string(const int* offsets, const unsigned char* bytes, u64 base, u64 a, u64 b) {
    u64 len = (u64)(offsets[a + 1] - offsets[a]);
    if ((u64)(offsets[b + 1] - offsets[b]) != len) return false;
    const unsigned char* x = bytes + ((u64)offsets[a] - base);
    const unsigned char* y = bytes + ((u64)offsets[b] - base);
    for (u64 k = 0; k < len; k++)
        if (x[k] != y[k]) return false;
    return true;
}

extern "C" __global__ void vocab_count(const int* offsets, const unsigned char* bytes, u64 base, u64 n,
                                       const unsigned char* valid, u64 offset, int has_valid,
                                       u64* rows, u64* counts, u64 mask) {
    GRID_STRIDE(i, n) {
        if (!is_valid(valid, offset, has_valid, i)) continue;
        u64 len = (u64)(offsets[i + 1] - offsets[i]);
        u64 fp = fingerprint64(bytes + ((u64)offsets[i] - base), len);
        for (u64 slot = fp & mask;; slot = (slot + 1) & mask) {
            u64 row = atomicCAS(&rows[slot], 0ULL, i + 1);
            if (row == 0 || same_string(offsets, bytes, base, row - 1, i)) {
                atomicAdd(&counts[slot], 1ULL);
                break;
            }
        }
    }
}

// The same for an Int64 column (TFT's vocabulary of integers holds their
// decimal strings; the host writes one per distinct value): the table is
// probed from SplitMix64's finaliser of the value (nearby integers spread
// out), and a slot belongs to a value when its first row holds that value.
__device__ __forceinline__ u64 mix64(u64 h) {
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    return h ^ (h >> 31);
}

extern "C" __global__ void vocab_count_ints(const i64* x, u64 n, const unsigned char* valid, u64 offset,
                                            int has_valid, u64* rows, u64* counts, u64 mask) {
    GRID_STRIDE(i, n) {
        if (!is_valid(valid, offset, has_valid, i)) continue;
        for (u64 slot = mix64((u64)x[i]) & mask;; slot = (slot + 1) & mask) {
            u64 row = atomicCAS(&rows[slot], 0ULL, i + 1);
            if (row == 0 || x[row - 1] == x[i]) {
                atomicAdd(&counts[slot], 1ULL);
                break;
            }
        }
    }
}

// The decimal string of v as Rust's `{}` writes it, into buf (at most 20
// bytes), its length returned.
__device__ u64 write_decimal(i64 v, unsigned char* buf) {
    unsigned char digits[20];
    u64 n = 0, len = 0;
    u64 m = v < 0 ? (u64)0 - (u64)v : (u64)v;  // i64's minimum too
    do {
        digits[n++] = (unsigned char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0) buf[len++] = '-';
    while (n) buf[len++] = digits[--n];
    return len;
}

// VocabularyLookup::apply on an Int64 column (kernels/vocab.rs): TFT looks
// an integer up as its decimal string, so the table (vocab.rs in this
// folder) holds the tokens that are an integer's canonical decimal string,
// keyed by that integer; an unknown integer gets vocab_size +
// Fingerprint64(its decimal string) % num_oov, or default_value.
extern "C" __global__ void vocab_lookup_ints(const i64* x, u64 n, const i64* keys, const i64* ids, u64 mask,
                                             u64 vocab_size, u64 num_oov, i64 default_value, i64* out) {
    GRID_STRIDE(i, n) {
        i64 v = x[i], found = -1;
        for (u64 slot = mix64((u64)v) & mask;; slot = (slot + 1) & mask) {
            i64 id = ids[slot];
            if (id < 0) break;
            if (keys[slot] == v) { found = id; break; }
        }
        if (found >= 0) {
            out[i] = found;
        } else if (num_oov == 0) {
            out[i] = default_value;
        } else {
            unsigned char text[20];
            u64 len = write_decimal(v, text);
            out[i] = (i64)vocab_size + (i64)(fingerprint64(text, len) % num_oov);
        }
    }
}

// The occupied slots' (first row, count) pairs, packed (in no set order).
extern "C" __global__ void vocab_compact(const u64* rows, const u64* counts, u64 slots, u64* out_rows,
                                         u64* out_counts, u64* found) {
    GRID_STRIDE(s, slots) {
        if (rows[s]) {
            u64 k = atomicAdd(found, 1ULL);
            out_rows[k] = rows[s] - 1;
            out_counts[k] = counts[s];
        }
    }
}

// ---- hashed crosses (kernels/cross.rs) --------------------------------------

// kernels::fingerprint_cat64: TensorFlow's FingerprintCat64.
__device__ __forceinline__ u64 fingerprint_cat64(u64 fp1, u64 fp2) {
    const u64 mul = 0xc6a4a7935bd1e995ULL;
    u64 result = fp1 ^ mul;
    result ^= shift_mix(fp2 * mul) * mul;
    result *= mul;
    result = shift_mix(result) * mul;
    return shift_mix(result);
}

// cross_hashed_with_key, one string column folded into each row's cross:
// acc[i] = FingerprintCat64(acc[i] (hash_key for the first column), Fingerprint64(s_i)).
extern "C" __global__ void cross_strings(const int* offsets, const unsigned char* bytes, u64 base, u64* acc, u64 n,
                                         u64 hash_key, int first) {
    GRID_STRIDE(i, n) {
        u64 start = (u64)offsets[i] - base, end = (u64)offsets[i + 1] - base;
        acc[i] = fingerprint_cat64(first ? hash_key : acc[i], fingerprint64(bytes + start, end - start));
    }
}

// The same for an Int64 column: a value crosses as its two's complement bits.
extern "C" __global__ void cross_ints(const i64* x, u64* acc, u64 n, u64 hash_key, int first) {
    GRID_STRIDE(i, n) { acc[i] = fingerprint_cat64(first ? hash_key : acc[i], (u64)x[i]); }
}

// The ids: each cross modulo the buckets (i64::MAX for none); nulls are the host's.
extern "C" __global__ void cross_ids(const u64* acc, i64* out, u64 n, u64 modulus) {
    GRID_STRIDE(i, n) { out[i] = (i64)(acc[i] % modulus); }
}

// ---- labels and calendar parts (kernels/compare.rs, kernels/time.rs) ---------

// kernels::greater_than_fraction: a > fraction * b as 1/0; a null reads as 0,
// a NaN b gives 0 (TFX's taxi preprocessing_fn).
extern "C" __global__ void greater_than_fraction(const double* a, const unsigned char* valid_a, u64 offset_a, int has_a,
                                                 const double* b, const unsigned char* valid_b, u64 offset_b, int has_b,
                                                 i64* out, u64 n, double fraction) {
    GRID_STRIDE(i, n) {
        double x = is_valid(valid_a, offset_a, has_a, i) ? a[i] : 0.0;
        double y = is_valid(valid_b, offset_b, has_b, i) ? b[i] : 0.0;
        out[i] = isnan(y) ? 0 : (x > __dmul_rn(y, fraction) ? 1 : 0);
    }
}

// kernels::timestamp_parts in UTC: hour, day of week (BigQuery's: 1 = Sunday)
// and month of floor(x / per_second) seconds since the epoch; the date from
// the day count by H. Hinnant's civil_from_days ("chrono-Compatible Low-Level
// Date Algorithms"), valid over chrono's whole range. The host keeps the
// values in that range (the CPU names the bad row otherwise).
extern "C" __global__ void utc_parts(const i64* x, u64 n, i64 per_second, i64* hour, i64* day_of_week, i64* month) {
    GRID_STRIDE(i, n) {
        i64 v = x[i];
        i64 secs = v / per_second - ((v % per_second) < 0 ? 1 : 0);
        i64 days = secs / 86400, rem = secs % 86400;
        if (rem < 0) { rem += 86400; days -= 1; }
        hour[i] = rem / 3600;
        // 1970-01-01 was a Thursday: 4 days after a Sunday.
        i64 w = (days + 4) % 7;
        day_of_week[i] = (w < 0 ? w + 7 : w) + 1;
        i64 z = days + 719468;
        i64 era = (z >= 0 ? z : z - 146096) / 146097;
        u64 doe = (u64)(z - era * 146097);
        u64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        u64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        u64 mp = (5 * doy + 2) / 153;
        month[i] = (i64)(mp < 10 ? mp + 3 : mp - 9);
    }
}

// kernels::one_hot: element j of the n x depth float32 matrix is 1 where its
// row's id is valid and equals its column, else 0 (nulls and ids outside
// 0..depth: all 0). One thread per element: the writes coalesce.
extern "C" __global__ void one_hot(const i64* ids, const unsigned char* valid, u64 offset, int has_valid, u64 n,
                                   u64 depth, float* out) {
    GRID_STRIDE(j, n * depth) {
        u64 row = j / depth, col = j - row * depth;
        i64 id = ids[row];
        out[j] = (is_valid(valid, offset, has_valid, row) && id >= 0 && (u64)id == col) ? 1.0f : 0.0f;
    }
}

// ---- analyzers (analyzer.rs) ------------------------------------------------

// ExactSum's layout (core/src/sketch/exact_sum.rs): chunk j weighs
// 2^(32 j - 1075); a finite double adds its significand, shifted by the low
// 5 bits of its exponent, into chunks ix and ix + 1.
#define CHUNKS 69
#define VALUES_PER_THREAD 3

__device__ __forceinline__ void add_finite(i64* acc, double v) {
    u64 bits = (u64)__double_as_longlong(v);
    u32 exp = (u32)((bits >> 52) & 0x7FF);
    u64 mant = (bits & ((1ULL << 52) - 1)) | ((u64)(exp != 0) << 52);
    u32 e = exp > 1 ? exp : 1;
    u32 ix = e >> 5, shift = e & 31;
    i64 low = (i64)((mant << shift) & 0xFFFFFFFFULL);
    i64 high = (i64)(mant >> (32 - shift));
    i64 sign = (i64)bits >> 63;
    atomicAdd((u64*)&acc[ix], (u64)((low ^ sign) - sign));
    atomicAdd((u64*)&acc[ix + 1], (u64)((high ^ sign) - sign));
}

// One carry step on every chunk at once: digit j keeps its low 32 bits and
// passes the rest to j + 1. After it every chunk but the top is in
// (-2^31, 2^33), so a round of at most 2 * 3 * blockDim adds of < 2^52 each
// (blockDim <= 256) cannot overflow.
__device__ void carry_step(i64* acc, i64* carry) {
    int t = threadIdx.x;
    if (t < CHUNKS - 1) {
        i64 c = acc[t];
        carry[t] = c >> 32;
        acc[t] = c & 0xFFFFFFFFLL;
    }
    __syncthreads();
    if (t >= 1 && t < CHUNKS) acc[t] += carry[t - 1];
    __syncthreads();
}

// MomentsState::update over the valid, non-NaN values: count, Σx and Σx²
// (x² as its rounded square p plus Dekker's exact error fma(x, x, -p)).
// Block b writes 2 * CHUNKS + 4 words at out[b * (2 * CHUNKS + 4)]: Σx's
// chunks, Σx²'s chunks, then count, Σx's +inf and -inf, Σx²'s +inf.
extern "C" __global__ void moments(const double* x, u64 n, const unsigned char* valid, u64 offset, int has_valid, i64* out) {
    __shared__ i64 sum[CHUNKS], sq[CHUNKS], carry[CHUNKS];
    __shared__ u64 specials[4];
    int t = threadIdx.x;
    if (t < CHUNKS) { sum[t] = 0; sq[t] = 0; }
    if (t < 4) specials[t] = 0;
    __syncthreads();
    u64 count = 0, pos = 0, neg = 0, sq_pos = 0;
    u64 per_round = (u64)blockDim.x * VALUES_PER_THREAD;
    for (u64 base = blockIdx.x * per_round; base < n; base += (u64)gridDim.x * per_round) {
        for (int k = 0; k < VALUES_PER_THREAD; k++) {
            u64 i = base + (u64)k * blockDim.x + t;
            if (i >= n || !is_valid(valid, offset, has_valid, i)) continue;
            double v = x[i];
            if (isnan(v)) continue;
            count++;
            if (isinf(v)) {
                if (v > 0) pos++; else neg++;
                sq_pos++;
                continue;
            }
            add_finite(sum, v);
            double p = __dmul_rn(v, v);
            if (isinf(p)) { sq_pos++; continue; }
            add_finite(sq, p);
            add_finite(sq, fma(v, v, -p));
        }
        __syncthreads();
        carry_step(sum, carry);
        carry_step(sq, carry);
    }
    atomicAdd(&specials[0], count);
    atomicAdd(&specials[1], pos);
    atomicAdd(&specials[2], neg);
    atomicAdd(&specials[3], sq_pos);
    __syncthreads();
    i64* mine = out + (u64)blockIdx.x * (2 * CHUNKS + 4);
    if (t < CHUNKS) { mine[t] = sum[t]; mine[CHUNKS + t] = sq[t]; }
    if (t < 4) mine[2 * CHUNKS + t] = (i64)specials[t];
}

// MinMaxState::update over the valid, non-NaN values: block b writes its
// min, max and whether it saw any value to out[3 b ..].
extern "C" __global__ void min_max(const double* x, u64 n, const unsigned char* valid, u64 offset, int has_valid, double* out) {
    __shared__ double lo[256], hi[256];
    __shared__ int any[256];
    int t = threadIdx.x;
    double my_lo = 0.0, my_hi = 0.0;
    int seen = 0;
    GRID_STRIDE(i, n) {
        if (!is_valid(valid, offset, has_valid, i)) continue;
        double v = x[i];
        if (isnan(v)) continue;
        if (!seen || v < my_lo) my_lo = v;
        if (!seen || v > my_hi) my_hi = v;
        seen = 1;
    }
    lo[t] = my_lo; hi[t] = my_hi; any[t] = seen;
    __syncthreads();
    for (int s = blockDim.x / 2; s > 0; s >>= 1) {
        if (t < s && any[t + s]) {
            if (!any[t] || lo[t + s] < lo[t]) lo[t] = lo[t + s];
            if (!any[t] || hi[t + s] > hi[t]) hi[t] = hi[t + s];
            any[t] = 1;
        }
        __syncthreads();
    }
    if (t == 0) {
        out[3 * blockIdx.x] = lo[0];
        out[3 * blockIdx.x + 1] = hi[0];
        out[3 * blockIdx.x + 2] = any[0] ? 1.0 : 0.0;
    }
}

// Runs kernels.cu on the host: each CUDA thread of a block is a std::thread,
// __syncthreads a barrier, __shared__ memory a static shared by the block's
// threads; blocks run one after another. It checks the kernels' logic (index
// arithmetic, carries, reductions, the FarmHash port), not NVRTC's code or
// the GPU's math library.
#include <barrier>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

struct dim3_ { unsigned x, y, z; };
static dim3_ gridDim, blockDim, blockIdx;
static thread_local dim3_ threadIdx;
static std::barrier<>* block_barrier;

#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
inline void __syncthreads() { block_barrier->arrive_and_wait(); }
template <class T> T atomicAdd(T* p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_SEQ_CST); }
template <class T> T atomicCAS(T* p, T expected, T desired) {
    __atomic_compare_exchange_n(p, &expected, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
    return expected;  // the old value, as CUDA's atomicCAS returns it
}
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline long long __double_as_longlong(double d) { long long r; std::memcpy(&r, &d, 8); return r; }
using std::exp; using std::fma; using std::isinf; using std::isnan; using std::log1p;

template <class F> void launch(unsigned grid, unsigned block, F kernel) {
    gridDim = {grid, 1, 1};
    blockDim = {block, 1, 1};
    for (unsigned b = 0; b < grid; b++) {
        blockIdx = {b, 0, 0};
        std::barrier<> bar(block);
        block_barrier = &bar;
        std::vector<std::thread> threads;
        for (unsigned t = 0; t < block; t++) threads.emplace_back([&, t] { threadIdx = {t, 0, 0}; kernel(); });
        for (auto& t : threads) t.join();
    }
}

#include "kernels.cu"

// The driver: `emulate KERNEL ARGS…`, columns as raw little-endian files
// (see emulate.rs, which writes them and compares the output with the CPU).
static std::vector<char> slurp(const char* path) {
    std::vector<char> bytes;
    FILE* f = std::fopen(path, "rb");
    if (!f) { std::perror(path); std::exit(2); }
    char buf[65536];
    size_t got;
    while ((got = std::fread(buf, 1, sizeof buf, f)) > 0) bytes.insert(bytes.end(), buf, buf + got);
    std::fclose(f);
    return bytes;
}

static void spit(const char* path, const void* data, size_t bytes) {
    FILE* f = std::fopen(path, "wb");
    if (!f || std::fwrite(data, 1, bytes, f) != bytes) { std::perror(path); std::exit(2); }
    std::fclose(f);
}

int main(int argc, char** argv) {
    if (argc < 4) { std::fprintf(stderr, "usage: emulate GRID BLOCK KERNEL ARGS...\n"); return 2; }
    unsigned grid = std::atoi(argv[1]), block = std::atoi(argv[2]);
    const char* kernel = argv[3];
    char** a = argv + 4;
    auto values = [](const char* path) { auto b = slurp(path); std::vector<double> v(b.size() / 8); std::memcpy(v.data(), b.data(), b.size()); return v; };
    auto valid = [](const char* path) { auto b = slurp(path); if (b.empty()) b.push_back(0); return b; };
    if (!std::strcmp(kernel, "moments")) {  // VALUES VALID OFFSET HAS_VALID OUT
        auto x = values(a[0]); auto v = valid(a[1]);
        std::vector<i64> out((size_t)grid * (2 * CHUNKS + 4));
        launch(grid, block, [&] { moments(x.data(), x.size(), (unsigned char*)v.data(), std::atoll(a[2]), std::atoi(a[3]), out.data()); });
        spit(a[4], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "min_max")) {  // VALUES VALID OFFSET HAS_VALID OUT
        auto x = values(a[0]); auto v = valid(a[1]);
        std::vector<double> out((size_t)grid * 3);
        launch(grid, block, [&] { min_max(x.data(), x.size(), (unsigned char*)v.data(), std::atoll(a[2]), std::atoi(a[3]), out.data()); });
        spit(a[4], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "buckets")) {  // VALUES BOUNDARIES OUT
        auto x = values(a[0]); auto b = values(a[1]);
        std::vector<i64> out(x.size());
        launch(grid, block, [&] { buckets(x.data(), out.data(), x.size(), b.data(), b.size()); });
        spit(a[2], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "clip")) {  // VALUES LO HI OUT
        auto x = values(a[0]);
        std::vector<double> out(x.size());
        launch(grid, block, [&] { clip(x.data(), out.data(), x.size(), std::strtod(a[1], nullptr), std::strtod(a[2], nullptr)); });
        spit(a[3], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "fill_nulls_64")) {  // VALUES VALID OFFSET FILL_BITS OUT
        auto x = values(a[0]); auto v = valid(a[1]);
        std::vector<u64> out(x.size());
        launch(grid, block, [&] { fill_nulls_64((u64*)x.data(), out.data(), x.size(), (unsigned char*)v.data(), std::atoll(a[2]), std::strtoull(a[3], nullptr, 10)); });
        spit(a[4], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "hash_strings")) {  // OFFSETS BYTES BUCKETS BASE OUT
        auto o = slurp(a[0]); auto bytes = slurp(a[1]);
        std::vector<int> offsets(o.size() / 4);
        std::memcpy(offsets.data(), o.data(), o.size());
        std::vector<i64> out(offsets.size() - 1);
        launch(grid, block, [&] { hash_strings(offsets.data(), (unsigned char*)bytes.data(), out.data(), out.size(), std::strtoull(a[2], nullptr, 10), std::strtoull(a[3], nullptr, 10)); });
        spit(a[4], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "vocab_lookup")) {  // OFFSETS BYTES KEYS IDS MASK TOK_OFFSETS TOK_BYTES VOCAB_SIZE NUM_OOV DEFAULT OUT
        auto o = slurp(a[0]); auto bytes = slurp(a[1]); auto keys = slurp(a[2]); auto ids = slurp(a[3]);
        auto tok_offsets = slurp(a[5]); auto tok_bytes = slurp(a[6]);
        if (bytes.empty()) bytes.push_back(0);
        if (tok_bytes.empty()) tok_bytes.push_back(0);
        std::vector<int> offsets(o.size() / 4);
        std::memcpy(offsets.data(), o.data(), o.size());
        std::vector<i64> out(offsets.size() - 1);
        launch(grid, block, [&] {
            vocab_lookup(offsets.data(), (unsigned char*)bytes.data(), out.size(), 0, (u64*)keys.data(), (i64*)ids.data(),
                         std::strtoull(a[4], nullptr, 10), (u64*)tok_offsets.data(), (unsigned char*)tok_bytes.data(),
                         std::strtoull(a[7], nullptr, 10), std::strtoull(a[8], nullptr, 10), std::strtoll(a[9], nullptr, 10), out.data());
        });
        spit(a[10], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "cross")) {  // HASH_KEY MODULUS OUT then (s OFFSETS BYTES | i VALUES)...
        u64 key = std::strtoull(a[0], nullptr, 10), modulus = std::strtoull(a[1], nullptr, 10);
        std::vector<u64> acc;
        for (int c = 3, first = 1; c < argc - 4; first = 0) {
            if (!std::strcmp(a[c], "s")) {
                auto o = slurp(a[c + 1]); auto bytes = slurp(a[c + 2]);
                if (bytes.empty()) bytes.push_back(0);
                std::vector<int> offsets(o.size() / 4);
                std::memcpy(offsets.data(), o.data(), o.size());
                acc.resize(offsets.size() - 1);
                launch(grid, block, [&] { cross_strings(offsets.data(), (unsigned char*)bytes.data(), 0, acc.data(), acc.size(), key, first); });
                c += 3;
            } else {
                auto x = values(a[c + 1]);
                acc.resize(x.size());
                launch(grid, block, [&] { cross_ints((i64*)x.data(), acc.data(), acc.size(), key, first); });
                c += 2;
            }
        }
        std::vector<i64> out(acc.size());
        launch(grid, block, [&] { cross_ids(acc.data(), out.data(), out.size(), modulus); });
        spit(a[2], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "greater_than_fraction")) {  // A VALID_A OFFSET_A HAS_A B VALID_B OFFSET_B HAS_B FRACTION OUT
        auto x = values(a[0]); auto va = valid(a[1]); auto y = values(a[4]); auto vb = valid(a[5]);
        std::vector<i64> out(x.size());
        launch(grid, block, [&] {
            greater_than_fraction(x.data(), (unsigned char*)va.data(), std::atoll(a[2]), std::atoi(a[3]), y.data(),
                                  (unsigned char*)vb.data(), std::atoll(a[6]), std::atoi(a[7]), out.data(), out.size(), std::strtod(a[8], nullptr));
        });
        spit(a[9], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "vocab_count")) {  // OFFSETS BYTES VALID OFFSET HAS_VALID SLOTS OUT (rows then counts)
        auto o = slurp(a[0]); auto bytes = slurp(a[1]); auto v = valid(a[2]);
        if (bytes.empty()) bytes.push_back(0);
        std::vector<int> offsets(o.size() / 4);
        std::memcpy(offsets.data(), o.data(), o.size());
        u64 n = offsets.size() - 1, slots = std::strtoull(a[5], nullptr, 10);
        std::vector<u64> rows(slots), counts(slots), packed(2 * slots), found(1);
        launch(grid, block, [&] { vocab_count(offsets.data(), (unsigned char*)bytes.data(), 0, n, (unsigned char*)v.data(), std::atoll(a[3]), std::atoi(a[4]), rows.data(), counts.data(), slots - 1); });
        launch(grid, block, [&] { vocab_compact(rows.data(), counts.data(), slots, packed.data(), packed.data() + slots, found.data()); });
        std::vector<u64> out;
        out.insert(out.end(), packed.begin(), packed.begin() + found[0]);
        out.insert(out.end(), packed.begin() + slots, packed.begin() + slots + found[0]);
        spit(a[6], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "vocab_count_ints")) {  // VALUES VALID OFFSET HAS_VALID SLOTS OUT (rows then counts)
        auto x = values(a[0]); auto v = valid(a[1]);
        u64 slots = std::strtoull(a[4], nullptr, 10);
        std::vector<u64> rows(slots), counts(slots), packed(2 * slots), found(1);
        launch(grid, block, [&] { vocab_count_ints((i64*)x.data(), x.size(), (unsigned char*)v.data(), std::atoll(a[2]), std::atoi(a[3]), rows.data(), counts.data(), slots - 1); });
        launch(grid, block, [&] { vocab_compact(rows.data(), counts.data(), slots, packed.data(), packed.data() + slots, found.data()); });
        std::vector<u64> out;
        out.insert(out.end(), packed.begin(), packed.begin() + found[0]);
        out.insert(out.end(), packed.begin() + slots, packed.begin() + slots + found[0]);
        spit(a[5], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "vocab_lookup_ints")) {  // VALUES KEYS IDS MASK VOCAB_SIZE NUM_OOV DEFAULT OUT
        auto x = values(a[0]); auto keys = slurp(a[1]); auto ids = slurp(a[2]);
        std::vector<i64> out(x.size());
        launch(grid, block, [&] {
            vocab_lookup_ints((i64*)x.data(), x.size(), (i64*)keys.data(), (i64*)ids.data(), std::strtoull(a[3], nullptr, 10),
                              std::strtoull(a[4], nullptr, 10), std::strtoull(a[5], nullptr, 10), std::strtoll(a[6], nullptr, 10), out.data());
        });
        spit(a[7], out.data(), out.size() * 8);
    } else if (!std::strcmp(kernel, "one_hot")) {  // IDS VALID OFFSET HAS_VALID DEPTH OUT
        auto x = values(a[0]); auto v = valid(a[1]);
        u64 depth = std::strtoull(a[4], nullptr, 10);
        std::vector<float> out(x.size() * depth);
        launch(grid, block, [&] { one_hot((i64*)x.data(), (unsigned char*)v.data(), std::atoll(a[2]), std::atoi(a[3]), x.size(), depth, out.data()); });
        spit(a[5], out.data(), out.size() * 4);
    } else if (!std::strcmp(kernel, "utc_parts")) {  // VALUES PER_SECOND OUT (hour, day of week, month)
        auto x = values(a[0]);
        size_t n = x.size();
        std::vector<i64> out(3 * n);
        launch(grid, block, [&] { utc_parts((i64*)x.data(), n, std::atoll(a[1]), out.data(), out.data() + n, out.data() + 2 * n); });
        spit(a[2], out.data(), out.size() * 8);
    } else {
        std::fprintf(stderr, "unknown kernel %s\n", kernel);
        return 2;
    }
    return 0;
}

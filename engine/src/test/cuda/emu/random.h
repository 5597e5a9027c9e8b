// Random inputs for the host checks: a xorshift generator with a fixed seed, so that a failure reproduces run to run.
#pragma once

namespace host_random {

inline unsigned long long state = 0x2545F4914F6CDD1Dull;

inline unsigned next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return (unsigned) (state >> 16);
}

/** Uniform in [lo, hi), in steps of a millionth of the range. */
inline float uniform(float lo, float hi) { return lo + (hi - lo) * (next() % 1000000) / 1e6f; }

}  // namespace host_random

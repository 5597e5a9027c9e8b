package io.quantserve.engine.kernel;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Lane sums and exponentials that come out the same however the JIT has compiled the caller. The Vector API leaves
 * {@code reduceLanes(ADD)}'s order and {@code lanewise(EXP)}'s last bits to the implementation: compiled code adds in
 * another order and takes exp from another library than the interpreter and C1 do, so a model's logits (and the
 * tokens sampled from them) depended on how warm the JIT was. Built only from operations IEEE 754 defines exactly per
 * lane (add, multiply, fused multiply-add, lane moves), these do not. Every CPU kernel reduces and exponentiates here.
 * Kept apart so that a JVM without jdk.incubator.vector never loads it.
 */
public final class LaneMath {
    // one constant shuffle a step (C2 folds a static final field, not an array element); the species the kernels use
    private static final VectorSpecies<Float> P = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float> P_HALF = step(P, 1);
    private static final VectorShuffle<Float> P_QUARTER = step(P, 2);
    private static final VectorShuffle<Float> P_EIGHTH = step(P, 3);
    private static final VectorShuffle<Float> P_SIXTEENTH = step(P, 4);
    private static final VectorSpecies<Float> W = FloatVector.SPECIES_512;
    private static final VectorShuffle<Float> W_HALF = step(W, 1);
    private static final VectorShuffle<Float> W_QUARTER = step(W, 2);
    private static final VectorShuffle<Float> W_EIGHTH = step(W, 3);
    private static final VectorShuffle<Float> W_SIXTEENTH = step(W, 4);

    // exp: x = n ln2 + r, |r| <= ln2/2, e^r by Cephes' expf polynomial, 2^n put into the exponent bits
    private static final float LOG2E = 1.44269504088896341f;
    private static final float LN2_HI = 0.693359375f;
    private static final float LN2_LO = -2.12194440e-4f;
    private static final float ROUND = 12582912f;  // 1.5 * 2^23: adding it rounds a float to an integer, to nearest
    private static final float EXP_MAX = 88.3762626647949f;
    private static final float EXP_MIN = -87.3365447505531f;  // e^x stays a normal float (2^-126)

    private LaneMath() {
    }

    /** The lanes added pairwise: lane i and i + n/2, then the same on the low half, down to one lane. */
    public static float sum(FloatVector v) {
        int n = v.length();
        if (v.species() == W) {
            v = v.add(v.rearrange(W_HALF));
            v = v.add(v.rearrange(W_QUARTER));
            v = v.add(v.rearrange(W_EIGHTH));
            v = v.add(v.rearrange(W_SIXTEENTH));
        } else if (v.species() == P) {
            v = v.add(v.rearrange(P_HALF));
            if (n >= 4) {
                v = v.add(v.rearrange(P_QUARTER));
            }
            if (n >= 8) {
                v = v.add(v.rearrange(P_EIGHTH));
            }
            if (n >= 16) {
                v = v.add(v.rearrange(P_SIXTEENTH));
            }
        } else {
            for (int level = 1; n >> level >= 1; level++) {
                v = v.add(v.rearrange(step(v.species(), level)));
            }
        }
        return v.lane(0);
    }

    /**
     * e^x per lane, within 2 ulp of the exact value for x in [-87.3, 88.4]; below that the smallest normal float
     * (~1.2e-38, not 0: a masked score weighs nothing next to any other), above it +Inf; NaN stays NaN.
     */
    public static FloatVector exp(FloatVector x) {
        VectorSpecies<Float> f = x.species();
        FloatVector clamped = x.max(EXP_MIN);
        FloatVector n = clamped.fma(LOG2E, ROUND).sub(ROUND);
        FloatVector r = n.fma(FloatVector.broadcast(f, -LN2_HI), clamped).add(n.mul(-LN2_LO));
        FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f)
                .fma(r, FloatVector.broadcast(f, 8.3334519073e-3f))
                .fma(r, FloatVector.broadcast(f, 4.1665795894e-2f))
                .fma(r, FloatVector.broadcast(f, 1.6666665459e-1f))
                .fma(r, FloatVector.broadcast(f, 5.0000001201e-1f));
        FloatVector er = p.mul(r.mul(r)).add(r).add(1f);
        IntVector bits = ((IntVector) n.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
        FloatVector scale = (FloatVector) bits.reinterpretAsFloats();
        FloatVector result = er.mul(scale);
        return result.blend(Float.POSITIVE_INFINITY, x.compare(VectorOperators.GT, EXP_MAX))
                .blend(x, x.test(VectorOperators.IS_NAN));
    }

    /** Level k of the pairwise sum over n lanes: lane i takes lane i + n/2^k (wrapping; only low lanes are used). */
    private static VectorShuffle<Float> step(VectorSpecies<Float> species, int level) {
        return VectorShuffle.iota(species, Math.max(1, species.length() >> level), 1, true);
    }
}

package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** How stacked layers' host arrays are laid side by side before the upload (no device needed). */
class WeightUploadTest {

    @Test
    void rowsOfEachPartFollowOneAnotherRowByRow() {
        // AWQ qweight of q [2 rows, 3 words], k [2, 1], v [2, 2]: each row of the stack is q's row, k's, v's
        int[] q = {1, 2, 3, 4, 5, 6};
        int[] k = {7, 8};
        int[] v = {9, 10, 11, 12};
        assertThat(WeightUpload.sideBySide(List.of(q, k, v), 2)).containsExactly(1, 2, 3, 7, 9, 10, 4, 5, 6, 8, 11, 12);
    }

    @Test
    void oneRowMeansThePartsOneAfterTheOther() {
        // float weights [out, in] stack by rows (and biases by values): plain concatenation
        short[] gate = {1, 2, 3, 4};
        short[] up = {5, 6};
        assertThat(WeightUpload.sideBySide(List.of(gate, up), 1)).containsExactly(1, 2, 3, 4, 5, 6);
    }

    @Test
    void aSinglePartIsReturnedAsItIs() {
        int[] only = {1, 2, 3};
        assertThat(WeightUpload.sideBySide(List.of(only), 3)).isSameAs(only);
    }
}

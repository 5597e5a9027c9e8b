package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class RequiredCallsTest {
    private static final String WHOLE = "[{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Pa}ris\\\"\","
            + " \"days\": [1, 2]}}, {\"name\":\"get_time\",\"parameters\":{}}]";

    @Test
    void shouldReadEveryCallsNameAndTheRawTextOfItsArguments() {
        List<RequiredCalls.Seen> calls = RequiredCalls.scan(WHOLE);
        assertThat(calls).extracting(RequiredCalls.Seen::name).containsExactly("get_weather", "get_time");
        assertThat(calls).allMatch(RequiredCalls.Seen::complete);
        assertThat(calls.get(0).arguments(WHOLE)).isEqualTo("{\"city\": \"Pa}ris\\\"\", \"days\": [1, 2]}");
        assertThat(calls.get(1).arguments(WHOLE)).isEqualTo("{}");
    }

    @Test
    void shouldSeeACallOnceItsNameClosesAndItsArgumentsGrowUntilTheyBalance() {
        assertThat(RequiredCalls.scan("[{\"name\": \"get_wea")).isEmpty();
        assertThat(RequiredCalls.scan("[{\"name\": \"get_weather\", \"parameters\": ")).isEmpty(); // more space may come
        for (int cut = WHOLE.indexOf("{\"city"); cut < WHOLE.indexOf("}}, {"); cut++) {
            String sofar = WHOLE.substring(0, cut + 1);
            List<RequiredCalls.Seen> calls = RequiredCalls.scan(sofar);
            assertThat(calls).singleElement().satisfies(c -> {
                assertThat(c.name()).isEqualTo("get_weather");
                assertThat(c.arguments(sofar)).isEqualTo(sofar.substring(WHOLE.indexOf("{\"city")));
            });
            assertThat(calls.getFirst().complete()).isEqualTo(sofar.endsWith("2]}"));
        }
    }
}

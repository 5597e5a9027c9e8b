package io.quantserve.engine.guided;

import java.util.Map;
import java.util.TreeMap;
import org.apache.lucene.util.automaton.Automaton;

/**
 * JSON schema string {@code format}s as the languages a string of that format is written in: the RFC 3339 dates and
 * times, UUIDs, e-mail addresses, IPv4 addresses, host names and URIs. Each regular expression accepts only valid
 * values (for e-mail and URI, a common subset of what the RFCs allow), so constrained output always validates.
 */
final class StringFormats {
    // the days each month has, February's 29th in the Gregorian leap years only
    private static final String DATE = "(\\d{4}-((0[13578]|1[02])-(0[1-9]|[12]\\d|3[01])|(0[469]|11)-(0[1-9]|[12]\\d|30)"
            + "|02-(0[1-9]|1\\d|2[0-8]))|(\\d\\d(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)-02-29)";
    private static final String TIME = "([01]\\d|2[0-3]):[0-5]\\d:([0-5]\\d|60)(\\.\\d{1,9})?"
            + "([Zz]|[+-]([01]\\d|2[0-3]):[0-5]\\d)";
    private static final String OCTET = "(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    private static final String LABEL = "[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    private static final String URI_CHAR = "([A-Za-z0-9._~!$&'()*+,;=:@-]|%[0-9A-Fa-f]{2})";

    private static final Map<String, String> PATTERNS = new TreeMap<>(Map.of(
            "date", DATE,
            "time", TIME,
            "date-time", DATE + "[Tt]" + TIME,
            "uuid", "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}",
            "email", "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@" + LABEL + "(\\." + LABEL
                    + ")+",
            "ipv4", "(" + OCTET + "\\.){3}" + OCTET,
            "hostname", LABEL + "(\\." + LABEL + ")*",
            "uri", "[A-Za-z][A-Za-z0-9+.-]*://[A-Za-z0-9.-]+(:\\d{1,5})?(/" + URI_CHAR + "*)*(\\?(" + URI_CHAR
                    + "|[/?])*)?(#(" + URI_CHAR + "|[/?])*)?"));

    private StringFormats() {
    }

    /**
     * The strings of {@code format}.
     *
     * @throws IllegalArgumentException for a format not listed, naming those that are
     */
    static Automaton language(String format) {
        String pattern = PATTERNS.get(format);
        if (pattern == null) {
            throw new IllegalArgumentException("format '" + format + "' is not supported (supported: "
                    + String.join(", ", PATTERNS.keySet()) + ")");
        }
        return PythonRegex.parse(pattern);
    }
}

package io.quantserve.engine.chat;

import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Finds the filter names a template uses. jinjava renders an unknown filter as an empty string
 * without any error, which would silently drop parts of a prompt; scanning once when the template
 * is created turns that into a clear load-time error instead.
 */
final class FilterCheck {

    private FilterCheck() {}

    static Set<String> filterNames(String template) {
        var names = new LinkedHashSet<String>();
        int i = 0;
        while (true) {
            int open = nextOpen(template, i);
            if (open < 0) return names;
            char kind = template.charAt(open + 1);
            if (kind == '#') { // comment: skip to its end
                int end = template.indexOf("#}", open + 2);
                i = end < 0 ? template.length() : end + 2;
                continue;
            }
            String close = kind == '{' ? "}}" : "%}";
            i = scanExpression(template, open + 2, close, kind == '%', names);
        }
    }

    static int nextOpen(String t, int from) {
        for (int i = t.indexOf('{', from); i >= 0 && i + 1 < t.length(); i = t.indexOf('{', i + 1)) {
            char c = t.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') return i;
        }
        return -1;
    }

    /** Scans one {{ }} / {% %} body, skipping string literals; returns the index after it closes. */
    private static int scanExpression(String t, int i, String close, boolean isTag, Set<String> names) {
        boolean firstWord = true;
        while (i < t.length()) {
            char c = t.charAt(i);
            if (t.startsWith(close, i)) return i + close.length();
            if (c == '\'' || c == '"') {
                i = skipString(t, i);
                firstWord = false;
                continue;
            }
            if (c == '|') {
                int start = skipSpaces(t, i + 1);
                int end = identEnd(t, start);
                if (end > start) names.add(t.substring(start, end));
                i = end;
                continue;
            }
            if (isTag && firstWord && Character.isLetter(c)) { // {% filter upper %} ... {% endfilter %}
                int end = identEnd(t, i);
                if (t.substring(i, end).equals("filter")) {
                    int s = skipSpaces(t, end);
                    int e = identEnd(t, s);
                    if (e > s) names.add(t.substring(s, e));
                    i = e;
                } else {
                    i = end;
                }
                firstWord = false;
                continue;
            }
            if (!Character.isWhitespace(c) && c != '-' && c != '+') firstWord = false;
            i++;
        }
        return i;
    }

    static int skipString(String t, int i) {
        char quote = t.charAt(i++);
        while (i < t.length() && t.charAt(i) != quote) {
            i += t.charAt(i) == '\\' ? 2 : 1;
        }
        return i + 1;
    }

    static int skipSpaces(String t, int i) {
        while (i < t.length() && Character.isWhitespace(t.charAt(i))) i++;
        return i;
    }

    static int identEnd(String t, int i) {
        while (i < t.length() && (Character.isLetterOrDigit(t.charAt(i)) || t.charAt(i) == '_')) i++;
        return i;
    }
}

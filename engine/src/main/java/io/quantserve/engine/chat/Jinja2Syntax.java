package io.quantserve.engine.chat;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Rewrites the Jinja2 syntax that jinjava parses differently into forms it parses as Jinja2 does, inside {@code {{ }}}
 * and {@code {% %}} only (text, comments and strings stay as they are):
 * <ul>
 *   <li>keyword arguments: jinjava binds {@code name=} tighter than operators, so
 *       {@code namespace(last=messages|length - 1)} subtracts 1 from the argument object itself; every keyword
 *       argument's value is put in parentheses ({@code last=(messages|length - 1)}), except in a macro's signature,
 *       whose defaults jinjava reads otherwise;</li>
 *   <li>reversed slices: jinjava has no slice step; {@code x[::-1]} becomes {@code (x|reverse)}.</li>
 * </ul>
 * Both appear in Qwen3's published chat template.
 */
final class Jinja2Syntax {

    private Jinja2Syntax() {}

    static String rewrite(String t) {
        var out = new StringBuilder(t.length() + 64);
        int i = 0;
        while (true) {
            int open = FilterCheck.nextOpen(t, i);
            if (open < 0) {
                return out.append(t, i, t.length()).toString();
            }
            char kind = t.charAt(open + 1);
            if (kind == '#') {
                int end = t.indexOf("#}", open + 2);
                end = end < 0 ? t.length() : end + 2;
                out.append(t, i, end);
                i = end;
                continue;
            }
            int bodyStart = open + 2;
            int bodyEnd = bodyEnd(t, bodyStart, kind == '{' ? "}}" : "%}");
            String body = t.substring(bodyStart, bodyEnd);
            out.append(t, i, bodyStart);
            String tag = kind == '%' ? tagName(body) : "";
            if (tag.equals("raw")) {
                int endRaw = t.indexOf("endraw", bodyEnd);
                int end = endRaw < 0 ? t.length() : t.indexOf("%}", endRaw);
                end = end < 0 ? t.length() : end;
                out.append(t, bodyStart, end);
                i = end;
                continue;
            }
            // a macro's signature is read by jinjava's own splitter, which takes no parentheses in its defaults
            out.append(tag.equals("macro") ? reversedSlices(body) : keywordArguments(reversedSlices(body)));
            i = bodyEnd;
        }
    }

    /** A tag's first word ({@code raw}, {@code macro}, {@code for}...), past its whitespace control. */
    private static String tagName(String body) {
        int start = 0;
        while (start < body.length() && (body.charAt(start) == '-' || body.charAt(start) == '+'
                || Character.isWhitespace(body.charAt(start)))) {
            start++;
        }
        return body.substring(start, FilterCheck.identEnd(body, start));
    }

    /** Where {@code close} ends the tag body that starts at {@code i}, strings skipped. */
    private static int bodyEnd(String t, int i, String close) {
        while (i < t.length() && !t.startsWith(close, i)) {
            char c = t.charAt(i);
            i = c == '\'' || c == '"' ? FilterCheck.skipString(t, i) : i + 1;
        }
        return Math.min(i, t.length());
    }

    /** {@code operand[::-1]} → {@code (operand|reverse)}, the operand being the name/attribute/call chain before it. */
    static String reversedSlices(String e) {
        if (!e.contains("[::-1]")) {
            return e;
        }
        var out = new StringBuilder(e.length() + 16);
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = FilterCheck.skipString(e, i);
                out.append(e, i, Math.min(end, e.length()));
                i = end;
            } else if (e.startsWith("[::-1]", i)) {
                out.insert(operandStart(out), '(').append("|reverse)");
                i += "[::-1]".length();
            } else {
                out.append(c);
                i++;
            }
        }
        return out.toString();
    }

    /** The start of the postfix chain ending {@code s}: names, dots, and bracketed or quoted groups. */
    private static int operandStart(CharSequence s) {
        int p = s.length();
        while (p > 0) {
            char c = s.charAt(p - 1);
            if (Character.isLetterOrDigit(c) || c == '_' || c == '.') {
                p--;
            } else if (c == ')' || c == ']') {
                char opening = c == ')' ? '(' : '[';
                int depth = 0;
                do {
                    char d = s.charAt(--p);
                    if (d == c) {
                        depth++;
                    } else if (d == opening) {
                        depth--;
                    }
                } while (depth > 0 && p > 0);
            } else if (c == '\'' || c == '"') {
                p--;
                while (p > 0 && s.charAt(p - 1) != c) {
                    p--;
                }
                p = Math.max(0, p - 1);
            } else {
                break;
            }
        }
        return p;
    }

    /** Inside call parentheses, {@code name=value} → {@code name=(value)}. */
    static String keywordArguments(String e) {
        var out = new StringBuilder(e.length() + 16);
        Deque<Character> open = new ArrayDeque<>();
        char last = ' '; // the last character that was not a space
        int i = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                int end = Math.min(FilterCheck.skipString(e, i), e.length());
                out.append(e, i, end);
                i = end;
                last = c;
                continue;
            }
            if ((Character.isLetter(c) || c == '_') && (last == '(' || last == ',') && open.peek() != null
                    && open.peek() == '(') {
                int nameEnd = FilterCheck.identEnd(e, i);
                int eq = FilterCheck.skipSpaces(e, nameEnd);
                if (eq < e.length() && e.charAt(eq) == '=' && (eq + 1 >= e.length() || e.charAt(eq + 1) != '=')) {
                    int valueEnd = argumentEnd(e, eq + 1);
                    out.append(e, i, eq + 1).append('(').append(keywordArguments(e.substring(eq + 1, valueEnd)))
                            .append(')');
                    i = valueEnd;
                    last = ')';
                    continue;
                }
            }
            if (c == '(' || c == '[' || c == '{') {
                open.push(c);
            } else if ((c == ')' || c == ']' || c == '}') && !open.isEmpty()) {
                open.pop();
            }
            if (!Character.isWhitespace(c)) {
                last = c;
            }
            out.append(c);
            i++;
        }
        return out.toString();
    }

    /** Where an argument starting at {@code i} ends: the next {@code ,} or {@code )} outside its own brackets. */
    private static int argumentEnd(String e, int i) {
        int depth = 0;
        while (i < e.length()) {
            char c = e.charAt(i);
            if (c == '\'' || c == '"') {
                i = FilterCheck.skipString(e, i);
                continue;
            }
            if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                if (depth == 0) {
                    return i;
                }
                depth--;
            } else if (c == ',' && depth == 0) {
                return i;
            }
            i++;
        }
        return e.length();
    }
}

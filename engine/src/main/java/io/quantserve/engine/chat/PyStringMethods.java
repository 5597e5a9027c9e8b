package io.quantserve.engine.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} methods that HF chat templates call ({@code content.strip()},
 * {@code role.startswith('user')}, ...). jinjava resolves method calls on Java Strings by
 * reflection, so {@code startswith} would fail and {@code strip} would silently use Java's
 * semantics; this resolver runs first and implements the Python ones.
 */
final class PyStringMethods extends ELResolver {

    private final ELResolver delegate;

    PyStringMethods(ELResolver delegate) {
        this.delegate = delegate;
    }

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (base instanceof String s && method instanceof String name) {
            Object[] args = params == null ? new Object[0] : params;
            Object result = call(s, name, args);
            if (result != NOT_HANDLED) {
                context.setPropertyResolved(true);
                return result;
            }
        }
        return delegate.invoke(context, base, method, paramTypes, params);
    }

    private static final Object NOT_HANDLED = new Object();

    static Object call(String s, String name, Object[] a) {
        return switch (name) {
            case "strip" -> a.length == 0 || a[0] == null ? s.strip() : stripChars(s, str(a[0]), true, true);
            case "lstrip" -> a.length == 0 || a[0] == null ? s.stripLeading() : stripChars(s, str(a[0]), true, false);
            case "rstrip" -> a.length == 0 || a[0] == null ? s.stripTrailing() : stripChars(s, str(a[0]), false, true);
            case "startswith" -> anyPrefix(s, a[0], true);
            case "endswith" -> anyPrefix(s, a[0], false);
            case "upper" -> s.toUpperCase(Locale.ROOT);
            case "lower" -> s.toLowerCase(Locale.ROOT);
            case "title" -> title(s);
            case "capitalize" -> s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace" -> a.length >= 3 ? replaceN(s, str(a[0]), str(a[1]), ((Number) a[2]).intValue()) : s.replace(str(a[0]), str(a[1]));
            case "split" -> split(s, a.length == 0 ? null : (String) a[0], a.length > 1 ? ((Number) a[1]).intValue() : -1);
            case "find" -> s.indexOf(str(a[0]));
            case "rfind" -> s.lastIndexOf(str(a[0]));
            case "count" -> count(s, str(a[0]));
            case "isdigit" -> !s.isEmpty() && s.chars().allMatch(Character::isDigit);
            case "isalpha" -> !s.isEmpty() && s.chars().allMatch(Character::isLetter);
            case "isspace" -> !s.isEmpty() && s.isBlank();
            case "splitlines" -> List.of(s.split("\r\n|\r|\n", -1)).subList(0, lineCount(s));
            default -> NOT_HANDLED;
        };
    }

    private static String str(Object o) {
        if (!(o instanceof String s)) {
            throw new ChatTemplateException("expected a string argument, got " + o);
        }
        return s;
    }

    private static boolean anyPrefix(String s, Object arg, boolean start) {
        if (arg instanceof Iterable<?> options) { // Python accepts a tuple of prefixes
            for (Object o : options) {
                if (start ? s.startsWith(str(o)) : s.endsWith(str(o))) {
                    return true;
                }
            }
            return false;
        }
        return start ? s.startsWith(str(arg)) : s.endsWith(str(arg));
    }

    private static String stripChars(String s, String chars, boolean left, boolean right) {
        int from = 0;
        int to = s.length();
        while (left && from < to && chars.indexOf(s.charAt(from)) >= 0) from++;
        while (right && to > from && chars.indexOf(s.charAt(to - 1)) >= 0) to--;
        return s.substring(from, to);
    }

    private static String title(String s) {
        var out = new StringBuilder(s.length());
        boolean prevLetter = false;
        for (char c : s.toCharArray()) {
            out.append(prevLetter ? Character.toLowerCase(c) : Character.toUpperCase(c));
            prevLetter = Character.isLetter(c);
        }
        return out.toString();
    }

    private static String replaceN(String s, String old, String with, int n) {
        if (n < 0) return s.replace(old, with);
        var out = new StringBuilder();
        int from = 0;
        for (int i = 0; i < n; i++) {
            int at = s.indexOf(old, from);
            if (at < 0) break;
            out.append(s, from, at).append(with);
            from = at + old.length();
            if (old.isEmpty()) { // Python inserts between characters for an empty pattern
                if (from >= s.length()) break;
                out.append(s.charAt(from++));
            }
        }
        return out.append(s.substring(Math.min(from, s.length()))).toString();
    }

    /** Python split: no separator splits on whitespace runs and drops empty strings. */
    private static List<String> split(String s, String sep, int maxSplit) {
        var parts = new ArrayList<String>();
        if (sep == null) {
            String rest = s.strip();
            while (!rest.isEmpty()) {
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(rest);
                    return parts;
                }
                int i = 0;
                while (i < rest.length() && !Character.isWhitespace(rest.charAt(i))) i++;
                parts.add(rest.substring(0, i));
                rest = rest.substring(i).stripLeading();
            }
            return parts;
        }
        if (sep.isEmpty()) {
            throw new ChatTemplateException("split: empty separator");
        }
        int from = 0;
        while (maxSplit < 0 || parts.size() < maxSplit) {
            int at = s.indexOf(sep, from);
            if (at < 0) break;
            parts.add(s.substring(from, at));
            from = at + sep.length();
        }
        parts.add(s.substring(from));
        return parts;
    }

    private static int count(String s, String sub) {
        if (sub.isEmpty()) return s.length() + 1;
        int n = 0;
        for (int at = s.indexOf(sub); at >= 0; at = s.indexOf(sub, at + sub.length())) n++;
        return n;
    }

    /** Python's splitlines drops the empty string after a trailing line break. */
    private static int lineCount(String s) {
        int parts = s.split("\r\n|\r|\n", -1).length;
        return s.isEmpty() ? 0 : (s.endsWith("\n") || s.endsWith("\r") ? parts - 1 : parts);
    }

    // Everything other than method calls goes to jinjava's own resolver.
    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return delegate.getValue(context, base, property);
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return delegate.getType(context, base, property);
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        delegate.setValue(context, base, property, value);
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return delegate.isReadOnly(context, base, property);
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return delegate.getFeatureDescriptors(context, base);
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return delegate.getCommonPropertyType(context, base);
    }
}

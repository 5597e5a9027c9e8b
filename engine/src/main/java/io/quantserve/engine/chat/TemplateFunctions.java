package io.quantserve.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.time.Clock;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.Locale;

/**
 * Global functions that Hugging Face's {@code apply_chat_template} adds to the Jinja environment
 * and that jinjava lacks. Static because jinjava binds functions to static methods.
 */
final class TemplateFunctions {

    /** Context key holding the render's {@link Clock}; the dot keeps templates from naming it. */
    static final String CLOCK_KEY = "quantserve.clock";

    private TemplateFunctions() {}

    /** {@code raise_exception(msg)}: the template rejects its input; surfaces as TemplateRaisedException. */
    public static Object raiseException(Object message) {
        throw new TemplateRaisedException(String.valueOf(message));
    }

    /** {@code strftime_now(fmt)}: current local time formatted with Python strftime directives. */
    public static String strftimeNow(String format) {
        Clock clock = Clock.systemDefaultZone();
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        if (interpreter != null && interpreter.getContext().get(CLOCK_KEY) instanceof Clock c) {
            clock = c;
        }
        return strftime(format, ZonedDateTime.now(clock));
    }

    /** Python/glibc strftime for the directives chat templates use ({@code %d %b %Y}, ...). */
    static String strftime(String format, ZonedDateTime t) {
        var out = new StringBuilder();
        for (int i = 0; i < format.length(); i++) {
            char c = format.charAt(i);
            if (c != '%' || i + 1 == format.length()) {
                out.append(c);
                continue;
            }
            char d = format.charAt(++i);
            boolean pad = true;
            if (d == '-' && i + 1 < format.length()) { // glibc: %-d = day without zero padding
                pad = false;
                d = format.charAt(++i);
            }
            switch (d) {
                case 'a' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'A' -> out.append(t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.US));
                case 'b', 'h' -> out.append(t.getMonth().getDisplayName(TextStyle.SHORT, Locale.US));
                case 'B' -> out.append(t.getMonth().getDisplayName(TextStyle.FULL, Locale.US));
                case 'd' -> num(out, t.getDayOfMonth(), 2, pad);
                case 'e' -> out.append(pad && t.getDayOfMonth() < 10 ? " " : "").append(t.getDayOfMonth());
                case 'm' -> num(out, t.getMonthValue(), 2, pad);
                case 'y' -> num(out, t.getYear() % 100, 2, pad);
                case 'Y' -> out.append(t.getYear());
                case 'H' -> num(out, t.getHour(), 2, pad);
                case 'I' -> num(out, (t.getHour() + 11) % 12 + 1, 2, pad);
                case 'M' -> num(out, t.getMinute(), 2, pad);
                case 'S' -> num(out, t.getSecond(), 2, pad);
                case 'p' -> out.append(t.getHour() < 12 ? "AM" : "PM");
                case 'j' -> num(out, t.getDayOfYear(), 3, pad);
                case 'z' -> out.append(t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", ""));
                case 'Z' -> out.append(t.getZone().getDisplayName(TextStyle.SHORT, Locale.US));
                case '%' -> out.append('%');
                default -> throw new ChatTemplateException("strftime_now: unsupported directive %" + d + " in \"" + format + "\"");
            }
        }
        return out.toString();
    }

    private static void num(StringBuilder out, int value, int width, boolean pad) {
        String s = Integer.toString(value);
        if (pad) {
            out.append("0".repeat(Math.max(0, width - s.length())));
        }
        out.append(s);
    }
}

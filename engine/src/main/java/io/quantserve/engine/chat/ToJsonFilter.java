package io.quantserve.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.Map;

/** Replaces jinjava's compact {@code tojson} with HF's {@code json.dumps} formatting. */
final class ToJsonFilter implements Filter {

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object indent = kwargs.containsKey("indent") ? kwargs.get("indent") : (args.length > 0 ? args[0] : null);
        Integer width = switch (indent) {
            case null -> null;
            case Number n -> n.intValue();
            default -> Integer.parseInt(indent.toString());
        };
        return PyJson.dumps(var, width);
    }
}

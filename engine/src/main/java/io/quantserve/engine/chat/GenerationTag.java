package io.quantserve.engine.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;

/**
 * HF's {@code {% generation %}...{% endgeneration %}} block (used by e.g. SmolLM3 to mark
 * assistant text for training masks). It does not change the rendered text, so render the body.
 */
final class GenerationTag implements Tag {

    @Override
    public String getName() {
        return "generation";
    }

    @Override
    public String getEndTagName() {
        return "endgeneration";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        var out = new StringBuilder();
        for (Node child : tagNode.getChildren()) {
            out.append(child.render(interpreter).getValue());
        }
        return out.toString();
    }
}

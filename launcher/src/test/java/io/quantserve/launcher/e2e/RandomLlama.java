package io.quantserve.launcher.e2e;

import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;

/**
 * A Llama checkpoint with random weights, big enough that quantizing it with GPTQ takes several seconds per layer on
 * this machine: the window in which the end-to-end tests kill or cancel a running job.
 */
final class RandomLlama {
    private RandomLlama() {
    }

    static Path write(Path dir, int hidden, int intermediate, int layers, int vocab) throws IOException {
        Files.createDirectories(dir);
        int heads = hidden / 64;
        Files.writeString(dir.resolve("config.json"), """
                {"model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": %d,
                 "intermediate_size": %d, "num_hidden_layers": %d, "num_attention_heads": %d,
                 "num_key_value_heads": %d, "vocab_size": %d, "rms_norm_eps": 1e-5, "rope_theta": 10000.0,
                 "max_position_embeddings": 512, "hidden_act": "silu", "tie_word_embeddings": false,
                 "torch_dtype": "float32", "bos_token_id": 1, "eos_token_id": 2}
                """.formatted(hidden, intermediate, layers, heads, heads, vocab));
        SplittableRandom random = new SplittableRandom(42);
        SafetensorsWriter w = new SafetensorsWriter();
        w.addF32("model.embed_tokens.weight", new long[] {vocab, hidden}, gaussian(random, vocab * hidden, 1f));
        for (int l = 0; l < layers; l++) {
            String p = "model.layers." + l + ".";
            for (String name : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                w.addF32(p + "self_attn." + name + ".weight", new long[] {hidden, hidden},
                        gaussian(random, hidden * hidden, (float) (1 / Math.sqrt(hidden))));
            }
            w.addF32(p + "mlp.gate_proj.weight", new long[] {intermediate, hidden},
                    gaussian(random, intermediate * hidden, (float) (1 / Math.sqrt(hidden))));
            w.addF32(p + "mlp.up_proj.weight", new long[] {intermediate, hidden},
                    gaussian(random, intermediate * hidden, (float) (1 / Math.sqrt(hidden))));
            w.addF32(p + "mlp.down_proj.weight", new long[] {hidden, intermediate},
                    gaussian(random, hidden * intermediate, (float) (1 / Math.sqrt(intermediate))));
            w.addF32(p + "input_layernorm.weight", new long[] {hidden}, ones(hidden));
            w.addF32(p + "post_attention_layernorm.weight", new long[] {hidden}, ones(hidden));
        }
        w.addF32("model.norm.weight", new long[] {hidden}, ones(hidden));
        w.addF32("lm_head.weight", new long[] {vocab, hidden},
                gaussian(random, vocab * hidden, (float) (1 / Math.sqrt(hidden))));
        w.write(dir.resolve("model.safetensors"));
        return dir;
    }

    private static float[] gaussian(SplittableRandom random, int n, float std) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            // Box-Muller, one value per pair is enough here
            double u = 1 - random.nextDouble();
            v[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random.nextDouble())) * std;
        }
        return v;
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }
}

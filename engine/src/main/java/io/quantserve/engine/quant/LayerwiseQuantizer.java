package io.quantserve.engine.quant;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.linear.bnb.Nf4Linears;
import io.quantserve.engine.linear.compressed.W8A8Linears;
import io.quantserve.engine.model.Embedding;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.quant.algo.AwqClip;
import io.quantserve.engine.quant.algo.AwqRtn;
import io.quantserve.engine.quant.algo.AwqSearch;
import io.quantserve.engine.quant.algo.ChannelScaling;
import io.quantserve.engine.quant.algo.Gptq;
import io.quantserve.engine.quant.algo.GptqOptions;
import io.quantserve.engine.quant.algo.Hessian;
import io.quantserve.engine.quant.algo.Hqq;
import io.quantserve.engine.quant.algo.ObjectiveFn;
import io.quantserve.engine.quant.algo.HqqOptions;
import io.quantserve.engine.quant.algo.Rtn;
import io.quantserve.engine.quant.algo.SmoothQuant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Quantizes a model one decoder layer at a time: only the current layer's float weights and the calibration
 * activations are held, so peak memory is about one layer in float plus the activations plus the packed output.
 * Each layer's calibration inputs are the previous layer's outputs (float outputs for AWQ and SmoothQuant, as their
 * reference implementations do; quantized outputs for GPTQ, which quantizes "true-sequentially").
 */
public final class LayerwiseQuantizer {

    /**
     * Called between phases: layer i of n (0-based), and what is being done; while calibration data is sampled from
     * the model ({@link CalibrationSet#sampled}), sequences done of all, phase {@code calibrate}.
     */
    @FunctionalInterface
    public interface Progress {
        void update(int layer, int layers, String phase);
    }

    private final ModelConfig config;
    private final TensorSource source;
    private final QuantizeOptions options;
    private final int intermediate;

    /** @param intermediate the (possibly zero-padded) intermediate size the output will have */
    public LayerwiseQuantizer(ModelConfig config, TensorSource source, QuantizeOptions options, int intermediate) {
        this.config = config;
        this.source = source;
        this.options = options;
        this.intermediate = intermediate;
    }

    /**
     * Quantizes every layer, handing each result to {@code sink} as soon as it is done. Checks {@code cancelled}
     * between layers and throws {@link CancellationException} when it says so.
     */
    public void run(CalibrationSet calibration, Progress progress, BooleanSupplier cancelled, Consumer<QuantizedLayer> sink) {
        List<float[]> hidden = embed(calibration);
        int context = calibration.sequences().stream().mapToInt(s -> s.length).max().orElse(1);
        long tokens = calibration.tokens();
        int n = config.numLayers();
        for (int i = 0; i < n; i++) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("cancelled before layer " + i + " of " + n);
            }
            progress.update(i, n, "load");
            DecoderLayer layer = DecoderLayer.read(source, config, i, intermediate);
            LayerRunner runner = new LayerRunner(config, layer, context);
            progress.update(i, n, options.method().id());
            QuantizedLayer result = switch (options.method()) {
                case GPTQ -> gptq(layer, runner, hidden, tokens);
                case AWQ -> awq(layer, runner, hidden, tokens);
                case SMOOTHQUANT -> smoothQuant(layer, runner, hidden, tokens);
                case RTN, HQQ, NF4 -> calibrationFree(layer, runner, hidden, tokens);
                case GGUF -> throw new IllegalArgumentException("gguf export does not run layer by layer");
            };
            sink.accept(result);
        }
    }

    /** Token embeddings of every calibration sequence: the first layer's inputs. */
    private List<float[]> embed(CalibrationSet calibration) {
        Embedding table = new Embedding(Unquantized.matrix(
                source.tensor("model.embed_tokens.weight").requireShape(config.vocabSize(), config.hiddenSize())));
        int h = config.hiddenSize();
        List<float[]> hidden = new ArrayList<>();
        for (int[] seq : calibration.sequences()) {
            float[] x = new float[seq.length * h];
            for (int t = 0; t < seq.length; t++) {
                table.lookup(seq[t], x, t * h);
            }
            hidden.add(x);
        }
        return hidden;
    }

    /** RTN, HQQ and NF4 need no activations; one float pass gives the inputs for the error report and the next layer. */
    private QuantizedLayer calibrationFree(DecoderLayer layer, LayerRunner runner, List<float[]> hidden, long tokens) {
        Map<FloatLinear, TokenSample> samples = capture(layer.linears(), tokens);
        runner.run(hidden, hidden, config.hiddenSize());
        release(layer.linears());
        Map<String, QuantizedLayer.Linear> out = new LinkedHashMap<>();
        for (FloatLinear l : layer.linears()) {
            TokenSample x = samples.get(l);
            QuantizedLayer.Linear q = switch (options.method()) {
                case RTN -> codes(l, Rtn.quantize(l.weight, l.out, l.in, options.bits(), group(l), options.symmetric()), x);
                case HQQ -> codes(l, Hqq.quantize(l.weight, l.out, l.in, options.bits(), group(l), HqqOptions.defaults().withRoundZero(true)), x);
                default -> new QuantizedLayer.Linear(l.name, l.out, l.in, null, l.weight, l.bias,
                        OutputError.relative(l.weight, l.out, l.in, Nf4Linears.quantize(l.weight, l.out, l.in), x.rows(), x.count()));
            };
            out.put(l.name, q);
        }
        return QuantizedLayer.of(layer, out);
    }

    /**
     * GPTQ, true-sequential: q/k/v on the attention input, then o on the outputs of the already-quantized q/k/v,
     * then gate/up, then down; the next layer sees this layer's quantized outputs.
     */
    private QuantizedLayer gptq(DecoderLayer layer, LayerRunner runner, List<float[]> hidden, long tokens) {
        Map<String, QuantizedLayer.Linear> out = new LinkedHashMap<>();
        List<List<FloatLinear>> sequential = List.of(
                List.of(layer.q, layer.k, layer.v), List.of(layer.o), List.of(layer.gate, layer.up), List.of(layer.down));
        List<float[]> scratch = copies(hidden);
        for (List<FloatLinear> group : sequential) {
            FloatLinear first = group.get(0);
            Hessian h = new Hessian(first.in);
            TokenSample x = new TokenSample(first.in, tokens, options.searchTokens());
            first.capture = (in, t) -> {
                h.add(in, t);
                x.inputs(in, t);
            };
            runner.run(hidden, scratch, config.hiddenSize());
            first.capture = null;
            for (FloatLinear l : group) {
                GptqOptions o = new GptqOptions(options.bits(), group(l), options.symmetric(), options.descAct(), false, 0.01f, 128);
                QuantizedWeight qw = Gptq.quantize(l.weight, l.out, l.in, h, o).weight();
                out.put(l.name, codes(l, qw, x));
                l.weight = qw.dequantize();
            }
        }
        runner.run(hidden, hidden, config.hiddenSize());
        return QuantizedLayer.of(layer, out);
    }

    /**
     * AWQ as AutoAWQ runs it on Llama: activation-aware scales searched for (input_layernorm → q,k,v),
     * (v → o when their shapes allow), (post_attention_layernorm → gate,up), (up → down) and folded into the previous
     * op; then a clipping search on every linear but q and k; then group-wise round-to-nearest with zero points.
     */
    private QuantizedLayer awq(DecoderLayer layer, LayerRunner runner, List<float[]> hidden, long tokens) {
        List<float[]> attentionInputs = wholeSequences(hidden);
        Map<FloatLinear, TokenSample> samples = capture(List.of(layer.q, layer.o, layer.gate, layer.down), tokens);
        runner.run(hidden, hidden, config.hiddenSize()); // the next layer sees float outputs, as in AutoAWQ
        release(layer.linears());

        TokenSample qkvIn = samples.get(layer.q);
        float[] s = awqScales(List.of(layer.q, layer.k, layer.v), qkvIn,
                BlockObjectives.attention(config, layer, attentionInputs));
        ChannelScaling.divide(layer.attentionNorm, s);
        qkvIn.divideChannels(s);
        if (layer.v.out == layer.o.in) {
            TokenSample oIn = samples.get(layer.o);
            s = awqScales(List.of(layer.o), oIn, null);
            divideRows(layer.v, s);
            oIn.divideChannels(s);
        }
        TokenSample mlpIn = samples.get(layer.gate);
        s = awqScales(List.of(layer.gate, layer.up), mlpIn, BlockObjectives.mlp(layer, mlpIn.rows(), mlpIn.count()));
        ChannelScaling.divide(layer.ffnNorm, s);
        mlpIn.divideChannels(s);
        TokenSample downIn = samples.get(layer.down);
        s = awqScales(List.of(layer.down), downIn, null);
        divideRows(layer.up, s);
        downIn.divideChannels(s);

        Map<FloatLinear, TokenSample> inputs = Map.of(layer.q, qkvIn, layer.k, qkvIn, layer.v, qkvIn,
                layer.o, samples.get(layer.o), layer.gate, mlpIn, layer.up, mlpIn, layer.down, downIn);
        Map<String, QuantizedLayer.Linear> out = new LinkedHashMap<>();
        for (FloatLinear l : layer.linears()) {
            TokenSample x = inputs.get(l);
            float[] original = l.weight.clone();
            if (l != layer.q && l != layer.k) {
                AwqClip clip = AwqSearch.searchClip(l.weight, l.out, l.in, x.rows(), x.count(), options.bits(), group(l));
                AwqSearch.applyClip(l.weight, l.out, l.in, group(l), clip.maxValues());
            }
            QuantizedWeight qw = AwqRtn.quantize(l.weight, l.out, l.in, options.bits(), group(l));
            out.put(l.name, new QuantizedLayer.Linear(l.name, l.out, l.in, qw, null, l.bias,
                    OutputError.relative(original, qw.dequantize(), l.out, l.in, x.rows(), x.count())));
        }
        return QuantizedLayer.of(layer, out);
    }

    /**
     * Searches the scale for linears sharing one input and multiplies their input columns by it. The loss is the
     * given block's output (AutoAWQ's module2inspect), or the linears' own outputs when {@code block} is null.
     */
    private float[] awqScales(List<FloatLinear> linears, TokenSample x, ObjectiveFn block) {
        float[][] weights = linears.stream().map(l -> l.weight).toArray(float[][]::new);
        int[] outs = linears.stream().mapToInt(l -> l.out).toArray();
        int in = linears.get(0).in;
        ObjectiveFn objective = block != null ? block : ObjectiveFn.linearOutputs(weights, outs, in, x.rows(), x.count());
        float[] s = AwqSearch.searchScales(weights, outs, in, x.rows(), x.count(), options.bits(),
                group(linears.get(0)), objective).scales();
        linears.forEach(l -> ChannelScaling.multiplyColumns(l.weight, l.out, l.in, s));
        return s;
    }

    /**
     * SmoothQuant: per-channel scales s = max|X|^α / max|W|^(1-α) for the linears after each norm, folded into the
     * norm weights; then every linear is quantized to int8 per output channel (W8A8, activations per token at run time).
     */
    private QuantizedLayer smoothQuant(DecoderLayer layer, LayerRunner runner, List<float[]> hidden, long tokens) {
        Map<FloatLinear, TokenSample> samples = capture(layer.linears(), tokens);
        runner.run(hidden, hidden, config.hiddenSize());
        release(layer.linears());
        smooth(List.of(layer.q, layer.k, layer.v), layer.attentionNorm, samples.get(layer.q));
        smooth(List.of(layer.gate, layer.up), layer.ffnNorm, samples.get(layer.gate));
        Map<String, QuantizedLayer.Linear> out = new LinkedHashMap<>();
        for (FloatLinear l : layer.linears()) {
            TokenSample x = samples.get(l);
            out.put(l.name, new QuantizedLayer.Linear(l.name, l.out, l.in, null, l.weight, l.bias,
                    OutputError.relative(l.weight, l.out, l.in, W8A8Linears.quantize(l.weight, l.out, l.in), x.rows(), x.count())));
        }
        return QuantizedLayer.of(layer, out);
    }

    private void smooth(List<FloatLinear> linears, float[] norm, TokenSample x) {
        float[][] weights = linears.stream().map(l -> l.weight).toArray(float[][]::new);
        int[] outs = linears.stream().mapToInt(l -> l.out).toArray();
        int in = linears.get(0).in;
        float[] s = SmoothQuant.scales(x.maxAbs(), weights, outs, in, options.alpha());
        ChannelScaling.divide(norm, s);
        linears.forEach(l -> ChannelScaling.multiplyColumns(l.weight, l.out, l.in, s));
        x.divideChannels(s);
    }

    private QuantizedLayer.Linear codes(FloatLinear l, QuantizedWeight qw, TokenSample x) {
        return new QuantizedLayer.Linear(l.name, l.out, l.in, qw, null, l.bias,
                OutputError.relative(l.weight, qw.dequantize(), l.out, l.in, x.rows(), x.count()));
    }

    /** The group size for a layer: per channel means one group of all its inputs. */
    private int group(FloatLinear l) {
        return options.groupSize() == -1 ? l.in : options.groupSize();
    }

    private Map<FloatLinear, TokenSample> capture(List<FloatLinear> linears, long tokens) {
        Map<FloatLinear, TokenSample> samples = new LinkedHashMap<>();
        for (FloatLinear l : linears) {
            TokenSample sample = new TokenSample(l.in, tokens, options.searchTokens());
            l.capture = sample;
            samples.put(l, sample);
        }
        return samples;
    }

    private static void release(List<FloatLinear> linears) {
        linears.forEach(l -> l.capture = null);
    }

    /** The first whole sequences, up to the search budget of tokens: attention needs sequences, not sampled tokens. */
    private List<float[]> wholeSequences(List<float[]> hidden) {
        List<float[]> kept = new ArrayList<>();
        long budget = (long) options.searchTokens() * config.hiddenSize();
        for (float[] h : hidden) {
            if (!kept.isEmpty() && budget < h.length) {
                break;
            }
            kept.add(h.clone());
            budget -= h.length;
        }
        return kept;
    }

    private static List<float[]> copies(List<float[]> hidden) {
        return hidden.stream().map(float[]::clone).toList();
    }

    /** Divides output row r (and its bias) by s[r]: folds a scale into the op that feeds the next linear. */
    private static void divideRows(FloatLinear l, float[] s) {
        ChannelScaling.divideRows(l.weight, l.out, l.in, s);
        if (l.bias != null) {
            ChannelScaling.divide(l.bias, s);
        }
    }
}

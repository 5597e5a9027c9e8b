package io.quantserve.node.config;

import io.quantserve.engine.gpu.BackendChoice;
import jakarta.validation.Valid;
import jakarta.validation.constraints.DecimalMax;
import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;
import org.springframework.validation.annotation.Validated;

/**
 * Settings of an inference node ({@code quantserve.node.*}, or env vars such as {@code QUANTSERVE_NODE_MODEL}).
 *
 * @param model           what to serve: a model folder or .gguf file, a registry artifact ({@code registry:<id>}),
 *                        or {@code hf://org/name[@revision]}
 * @param servedModelName the name clients pass as {@code model}; empty = derived from {@link #model}
 * @param cacheDir        where pulled artifacts are kept across restarts
 * @param registryUrl     the model-registry that {@code registry:} references are pulled from
 * @param hub             the Hugging Face Hub that {@code hf://} references are pulled from
 * @param engine          batching and KV cache
 * @param drainTimeout    on SIGTERM: how long running requests may take to finish before the node stops anyway
 * @param maxRequestSize  larger request bodies are refused with 413
 * @param toolCallParser  how tool calls are read out of a reply for tool_choice "auto" (vLLM's --tool-call-parser):
 *                        hermes ({@code <tool_call>{...}</tool_call>}: Hermes, Qwen 2.5/3 ...), llama3_json,
 *                        mistral; empty = "auto" is
 *                        refused, while "none", "required" and a named function work without a parser
 * @param reasoningParser how a thinking model's {@code <think>...</think>} is split off into reasoning_content (vLLM's
 *                        --reasoning-parser): deepseek_r1, qwen3; empty = the reply is content as it comes
 * @param tokenizer       a tokenizer file for a model that has none, or to use instead of its own: a .gguf (its
 *                        metadata), tokenizer.json or tokenizer.model; empty = the model's
 * @param apiKey          keys clients must send as {@code Authorization: Bearer KEY} (vLLM's --api-key; comma-separated
 *                        in one setting); empty = no key needed. /health and /metrics never need one
 * @param allowedOrigins  origins whose browser pages may call the node (CORS, vLLM's --allowed-origins: origins or
 *                        patterns such as {@code https://*.example.com}); {@code *} = any; empty = none but its own
 */
@Validated
@ConfigurationProperties("quantserve.node")
public record NodeProperties(
        @NotBlank String model,
        @DefaultValue("") String servedModelName,
        @NotNull @DefaultValue("${user.home}/.quantserve/cache") Path cacheDir,
        @NotNull @DefaultValue("http://localhost:8081") URI registryUrl,
        @Valid @NotNull @DefaultValue Hub hub,
        @Valid @NotNull @DefaultValue Engine engine,
        @NotNull @DefaultValue("30s") Duration drainTimeout,
        @NotNull @DefaultValue("8MB") DataSize maxRequestSize,
        @DefaultValue("") String toolCallParser,
        @DefaultValue("") String reasoningParser,
        @DefaultValue("") String tokenizer,
        @DefaultValue List<String> apiKey,
        @DefaultValue("*") List<String> allowedOrigins) {

    /**
     * @param endpoint the Hub's address ({@code HF_ENDPOINT} in the Python world)
     * @param token    access token for gated/private repos; empty = anonymous
     */
    public record Hub(@NotNull @DefaultValue("https://huggingface.co") URI endpoint, @DefaultValue("") String token) {
    }

    /**
     * @param kvCacheMemory       bytes of KV cache (split into blocks of {@code blockSize} tokens)
     * @param blockSize           tokens per KV cache block
     * @param maxNumBatchedTokens tokens one engine step runs at most (decodes plus prefill chunks)
     * @param maxNumSeqs          sequences decoding at once; 1 turns batching off (one request at a time)
     * @param maxWaitingRequests  requests queued beyond the running ones; more are refused with 429
     * @param maxModelLen         longest prompt + completion accepted; 0 = the model's context length
     * @param backend             where the model runs: auto (CUDA device 0 when one is usable and the GPU runner takes
     *                            the model, else the CPU), cpu, or cuda (no usable device or a refused model format
     *                            fails start-up); on CUDA {@code kvCacheMemory} is device memory
     * @param gpuMemoryUtilization on CUDA, when set (0 < u <= 1), the KV cache takes what the device has free after
     *                            the weights and activations, short of {@code 1 - u} of its memory (vLLM's
     *                            gpu_memory_utilization), instead of {@code kvCacheMemory}; unused on the CPU
     * @param speculativeConfig   speculative decoding, vLLM's --speculative-config JSON: {@code {"method": "ngram",
     *                            "num_speculative_tokens": 5, "prompt_lookup_max": 4}}; empty = off
     */
    public record Engine(
            @NotNull @DefaultValue("512MB") DataSize kvCacheMemory,
            @Min(1) @DefaultValue("16") int blockSize,
            @Min(1) @DefaultValue("512") int maxNumBatchedTokens,
            @Min(1) @DefaultValue("64") int maxNumSeqs,
            @Min(0) @DefaultValue("256") int maxWaitingRequests,
            @Min(0) @DefaultValue("0") int maxModelLen,
            @NotNull @DefaultValue("auto") BackendChoice backend,
            @DecimalMin(value = "0", inclusive = false) @DecimalMax("1") Double gpuMemoryUtilization,
            @DefaultValue("") String speculativeConfig) {
    }
}

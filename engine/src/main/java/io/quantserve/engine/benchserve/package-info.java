/**
 * Serving benchmark ({@code ./quantserve bench-serve}): drives any OpenAI-compatible completions endpoint with a
 * seeded workload (random token-id prompts or a JSON Lines file), Poisson or all-at-once arrivals and an optional
 * concurrency cap, and reports throughput and TTFT / TPOT / ITL / end-to-end latency, in the manner of vLLM's
 * benchmark_serving so the numbers can be compared side by side.
 */
package io.quantserve.engine.benchserve;
